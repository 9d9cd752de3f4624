// Local API gateway (Deno), standing in for Supabase's Kong + Edge Runtime on one port:
//   /functions/v1/<name>/...  → the function's Hono app, which sees /<name>/... as Supabase's runtime shows it
//   /auth/v1/...              → the local Auth (GoTrue) emulator
//   /storage/v1/...           → the local Storage emulator
// Functions come from supabase/config.toml; `verify_jwt = true` is enforced here as Supabase's gateway does, and
// API keys are handled as it handles them (api-keys.ts).
// Development and tests only: production runs on Supabase itself.
import { pathToFileURL } from 'node:url';
import type { JWK } from 'jose';
import postgres from 'postgres';
import { z } from 'zod';
import { authSettings } from '../emulators/auth/config.ts';
import { createAuthEmulator } from '../emulators/auth/app.ts';
import { createStorageEmulator } from '../emulators/storage/app.ts';
import { readProjectConfig } from '../stack/project.ts';
import { settleBackground } from '../../functions/_shared/background.ts';
import { loadProjectSettings } from '../../functions/_shared/env.ts';
import { jsonSetting, readEnv } from '../../functions/_shared/env-reader.ts';
import { createApiKeyGate } from './api-keys.ts';

type Fetch = (req: Request) => Response | Promise<Response>;
interface FunctionEntry {
  fetch: Fetch;
  verifyJwt: boolean;
}

const projectConfig = readProjectConfig();
// The project's URL and keys as the functions read them (SUPABASE_URL, SUPABASE_JWKS, JWT_SECRET, the API keys).
const project = loadProjectSettings(Deno.env.toObject());
const gate = createApiKeyGate(project);
// The gateway's own settings, which the stack sets (scripts/stack/stack.ts), read by the same reader.
const stack = readEnv(
  z.object({
    GATEWAY_PORT: z.coerce.number().int().min(1).max(65_535).default(projectConfig.apiPort),
    /** Auth's private signing key (the stack's, scripts/stack/keys.ts): a private JWK. */
    AUTH_SIGNING_KEY: jsonSetting(z.looseObject({ kty: z.string(), kid: z.string(), d: z.string() })).refine(
      (key) => key !== undefined,
      'required',
    ),
    /** The emulators' database logins (GoTrue's and Storage's roles) and where Storage keeps object bytes. */
    AUTH_DB_URL: z.string().min(1),
    STORAGE_DB_URL: z.string().min(1),
    STORAGE_ROOT: z.string().min(1).default('.local/storage'),
  }),
  Deno.env.toObject(),
);
const port = stack.GATEWAY_PORT;

async function loadFunctions(): Promise<Map<string, FunctionEntry>> {
  const functions = new Map<string, FunctionEntry>();
  for (const [name, fn] of Object.entries(projectConfig.functions)) {
    // index.ts calls Deno.serve; its sibling app.ts exports the same handler for in-process routing.
    const appModule = new URL('app.ts', pathToFileURL(fn.entrypoint));
    const mod = (await import(appModule.href)) as { fetchHandler: Fetch };
    functions.set(name, { fetch: mod.fetchHandler, verifyJwt: fn.verifyJwt });
  }
  return functions;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const functions = await loadFunctions();
const PREFIX = '/functions/v1/';

const auth = createAuthEmulator({
  sql: postgres(stack.AUTH_DB_URL, { max: 4, onnotice: () => {} }),
  settings: authSettings(projectConfig.auth, Deno.env.toObject()),
  jwtSecret: project.jwt.secret ?? '',
  signingKey: stack.AUTH_SIGNING_KEY as JWK,
  issuer: `${project.supabaseUrl}/auth/v1`,
});

/** "100MiB", "50MB", "1048576" → bytes. */
function bytes(value: unknown, fallback: number): number {
  const m = /^(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/i.exec(String(value ?? ''));
  if (!m) return fallback;
  const unit = (m[2] ?? 'B').toLowerCase();
  const factor = unit.startsWith('g') ? 1024 ** 3 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('k') ? 1024 : 1;
  return Number(m[1]) * factor;
}

const storage = createStorageEmulator({
  sql: postgres(stack.STORAGE_DB_URL, { max: 4, onnotice: () => {} }),
  jwtSecret: project.jwt.secret ?? '',
  jwks: project.jwt.jwks ?? { keys: [] },
  root: stack.STORAGE_ROOT,
  globalFileSizeLimit: bytes(projectConfig.storageFileSizeLimit, 50 * 1024 * 1024),
});

/** The request as a service behind the gateway sees it: new path, the client's address appended to X-Forwarded-For. */
function forwarded(req: Request, url: URL, remote: string, sent: Headers = req.headers): Request {
  const headers = new Headers(sent);
  const prior = headers.get('x-forwarded-for');
  headers.set('x-forwarded-for', prior ? `${prior}, ${remote}` : remote);
  return new Request(url, { method: req.method, headers, body: req.body, redirect: 'manual' });
}

async function handle(req: Request, remote: string): Promise<Response> {
  const url = new URL(req.url);
  const service = url.pathname.startsWith('/auth/v1/')
    ? auth
    : url.pathname.startsWith('/storage/v1/')
    ? storage
    : undefined;
  if (service) {
    const headers = await gate.forServices(req.headers);
    return headers instanceof Response ? headers : await service.fetch(forwarded(req, url, remote, headers));
  }
  if (!url.pathname.startsWith(PREFIX)) {
    return json(404, { message: 'no Route matched with those values' });
  }
  const rest = url.pathname.slice(PREFIX.length - 1); // "/<name>/..."
  const name = rest.split('/')[1];
  const fn = functions.get(name);
  if (!fn) return json(404, { code: 'NOT_FOUND', message: 'Requested function was not found' });
  if (fn.verifyJwt && req.method !== 'OPTIONS' && !(await gate.verifyJwtPasses(req.headers))) {
    return json(401, { code: 401, message: 'Invalid JWT' });
  }
  url.pathname = rest;
  return await fn.fetch(forwarded(req, url, remote));
}

/**
 * Answers, and marks `connection: close` on an answer given before the request's body was read to its end (a 413, a
 * 401 before the body is looked at). Deno drops such a connection after answering but does not say so, so a
 * keep-alive client would send its next request down a socket about to close ("other side closed"); told, it opens
 * a new one.
 */
async function answer(req: Request, remote: string): Promise<Response> {
  if (!req.body) return await handle(req, remote);
  let readToEnd = false;
  const body = req.body.pipeThrough(new TransformStream({ flush: () => void (readToEnd = true) }));
  const res = await handle(new Request(req.url, { method: req.method, headers: req.headers, body }), remote);
  if (readToEnd) return res;
  const headers = new Headers(res.headers);
  headers.set('connection', 'close');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

const server = Deno.serve(
  {
    hostname: '127.0.0.1',
    port,
    onListen: ({ port }) =>
      console.log(JSON.stringify({ level: 'info', msg: 'gateway listening', port, functions: [...functions.keys()] })),
  },
  (req, info) => answer(req, (info.remoteAddr as Deno.NetAddr).hostname),
);

// Stopping as Supabase's Edge Runtime retires an isolate: the functions get `beforeunload` (reason "termination"), and
// the background work it starts — the rate limiter's grants not yet synced — is awaited, for at most SHUTDOWN_FLUSH_MS,
// before the process exits. Exiting normally also lets runtime hooks (a V8 profiler log) be written.
const SHUTDOWN_FLUSH_MS = 5000;
let stopping = false;
async function stop(signal: Deno.Signal): Promise<void> {
  if (stopping) return;
  stopping = true;
  // A retiring isolate is sent no new requests: new connections are refused (those in flight may finish meanwhile).
  void server.shutdown();
  dispatchEvent(new CustomEvent('beforeunload', { cancelable: true, detail: { reason: 'termination' } }));
  const settled = await settleBackground(SHUTDOWN_FLUSH_MS);
  console.log(
    JSON.stringify({ level: settled ? 'info' : 'warn', msg: 'gateway stopped', signal, background_settled: settled }),
  );
  Deno.exit(0);
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) Deno.addSignalListener(signal, () => void stop(signal));
