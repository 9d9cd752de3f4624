// The local stack: Postgres cluster + platform bootstrap + migrations + seeds, and the Deno gateway serving
// every function. `npm start` runs the persistent dev stack; `npm test` and `npm run bench` run throwaway ones.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { prepareClusterDir, removeStackFiles } from './cluster-dir.ts';
import { DENO, denoVersion } from './deno.ts';
import { functionsEnv } from './functions-env.ts';
import { ensureKeys, type StackKeys } from './keys.ts';
import { jwksOf } from '../emulators/auth/signing-key.ts';
import { dbUrl, ensureCluster, startPostgres, waitForPostgres } from './postgres.ts';
import { prepareDatabase } from './database.ts';
import { LOCAL_SITE_URL, ROOT } from './project.ts';
import { errorLine, logTail, spawnBound } from './spawn.ts';
import { startMailCatcher } from './mail-catcher.ts';
import { freePort } from './ports.ts';
import { ensureSystemDeps } from './system-deps.ts';
import process from 'node:process';

export interface StackOptions {
  dir: string;
  apiPort: number;
  dbPort: number;
  /**
   * Throwaway stacks (tests, benchmarks) run without fsync, take no setting from .env.local or the shell,
   * and are deleted on stop.
   */
  throwaway: boolean;
  /** Load seed/demo/*.sql after the catalog seeds. */
  demo: boolean;
  /** Gateway output: inherit the terminal, or append to <dir>/gateway.log. */
  gatewayOutput: 'inherit' | 'file';
  /** Extra environment for the functions: overrides everything (functions-env.ts). */
  env?: Record<string, string>;
  /** The mail catcher's web/API and SMTP ports (config.toml [local_smtp] for `npm start`); free ones when not given. */
  mailPorts?: { web: number; smtp: number };
}

export interface StackInfo {
  apiUrl: string;
  functionsUrl: string;
  dbUrl: string;
  /** The cluster's data directory (outside `dir` when the postgres OS user cannot enter `dir`). */
  dataDir: string;
  keys: StackKeys;
  /** The mail catcher's web inbox and HTTP API, where Auth's mail goes. */
  mailUrl: string;
  pids: { postgres: number; gateway: number; supervisor: number; mailCatcher: number };
}

export interface Stack extends StackInfo {
  stop(): Promise<void>;
  /** Resolves with the child's name if postgres or the gateway exits while the stack is up. */
  crashed: Promise<string>;
}

export const exited = (child: ChildProcess) =>
  new Promise<void>((
    resolve,
  ) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  await exited(child);
}

/** Waits until `url` answers 2xx; fails with `name`'s exit code and log tail if the child exits first. */
export async function waitForHttp(
  url: string,
  child: ChildProcess,
  logFile: string | undefined,
  timeoutMs: number,
  name = 'the gateway',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const tail = logFile ? logTail(logFile) : '';
      throw new Error(
        `${name} exited with code ${child.exitCode}${
          tail ? `: ${errorLine(tail)}\n${tail}` : ' (its output is above)'
        }`,
      );
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** A cluster brought to the migrated, seeded state (unless bare), without the gateway (type generation, checks). */
export async function startDatabase(
  opts: Pick<StackOptions, 'dir' | 'dbPort' | 'throwaway' | 'demo'> & { bare?: boolean },
) {
  ensureSystemDeps();
  mkdirSync(opts.dir, { recursive: true });
  const cluster = {
    dataDir: prepareClusterDir(opts.dir),
    logFile: join(opts.dir, 'postgres.log'),
    port: opts.dbPort,
    throwaway: opts.throwaway,
  };
  let postgres: ChildProcess;
  try {
    ensureCluster(cluster);
    postgres = startPostgres(cluster);
  } catch (err) {
    if (opts.throwaway) removeStackFiles(opts.dir);
    throw err;
  }
  const stop = async () => {
    // SIGINT: PostgreSQL's fast shutdown.
    await stopChild(postgres, 'SIGINT');
    if (opts.throwaway) removeStackFiles(opts.dir);
  };
  try {
    await waitForPostgres(opts.dbPort, postgres, cluster.logFile);
    // A bare cluster (scratch databases for schema comparisons) gets only what its caller applies.
    if (!opts.bare) await prepareDatabase(dbUrl(opts.dbPort), { demo: opts.demo });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: dbUrl(opts.dbPort), dataDir: cluster.dataDir, postgres, stop };
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  mkdirSync(opts.dir, { recursive: true });
  // The mail catcher boots while the database does.
  const ports = opts.mailPorts ?? { web: await freePort(), smtp: await freePort() };
  const mail = startMailCatcher({ dir: opts.dir, ...ports });
  const db = await startDatabase(opts).catch(async (err) => {
    await stopChild(mail.child, 'SIGTERM');
    throw err;
  });
  await waitForHttp(`${mail.url}/api/healthz`, mail.child, mail.logFile, 60_000, 'the mail catcher').catch(
    async (err) => {
      await stopChild(mail.child, 'SIGTERM');
      await db.stop();
      throw err;
    },
  );
  const keys = await ensureKeys(join(opts.dir, 'keys.json'));
  const apiUrl = `http://127.0.0.1:${opts.apiPort}`;
  const stackValues = {
    SUPABASE_URL: apiUrl,
    SUPABASE_DB_URL: db.url,
    // The keys hosted functions are given: the legacy JWT keys, the new API keys by name, and Auth's public keys.
    SUPABASE_ANON_KEY: keys.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: keys.publishableKey }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: keys.secretKey }),
    SUPABASE_JWKS: JSON.stringify(jwksOf(keys.signingKey)),
    // Not given to hosted functions: a legacy project's deployer sets it (see .env.example). The stack keeps it so
    // the legacy HS256 keys and tokens verify, as they still do on a project that has moved to signing keys.
    JWT_SECRET: keys.jwtSecret,
    // The Auth emulator's private signing key (GoTrue's JWT_KEYS).
    AUTH_SIGNING_KEY: JSON.stringify(keys.signingKey),
    SEND_SMS_HOOK_SECRETS: keys.sendSmsHookSecret,
    // config.toml's [auth.hook.send_sms] uri: the hooks function behind this stack's gateway.
    SEND_SMS_HOOK_URI: `${apiUrl}/functions/v1/hooks/auth/send-sms`,
    SIGN_IN_SECRET: keys.signInSecret,
    // config.toml's [auth.email.smtp] env() values, pointed at the mail catcher; its port is the stack's choice.
    SMTP_HOST: mail.smtp.host,
    SMTP_USER: mail.smtp.user,
    SMTP_PASS: mail.smtp.pass,
    SMTP_ADMIN_EMAIL: 'no-reply@houtai.local',
    AUTH_SMTP_PORT: String(mail.smtp.port),
    // config.toml's [auth] site_url: where `npm start` serves its page (scripts/stack/site-page.ts).
    SUPABASE_AUTH_SITE_URL: LOCAL_SITE_URL,
    WECHAT_DEV_EXCHANGE: 'true',
    // The Auth emulator writes auth.* as GoTrue does: as supabase_auth_admin.
    AUTH_DB_URL: db.url.replace('postgres:postgres@', 'supabase_auth_admin:postgres@'),
    // The Storage emulator: as supabase_storage_admin, bytes under the stack's directory.
    STORAGE_DB_URL: db.url.replace('postgres:postgres@', 'supabase_storage_admin:postgres@'),
    STORAGE_ROOT: join(opts.dir, 'storage'),
    // A direct connection, not a transaction pooler: prepared statements are safe and faster.
    DB_PREPARE: 'true',
    // Room for 20 requests held at once behind one lock (tests/helpers/at-once.ts) and the other files' requests.
    DB_POOL_MAX: '30',
    GATEWAY_PORT: String(opts.apiPort),
  };
  const env = functionsEnv(opts, stackValues, { root: ROOT, inherited: process.env });
  const gatewayLog = opts.gatewayOutput === 'file' ? join(opts.dir, 'gateway.log') : undefined;
  const out = gatewayLog ? openSync(gatewayLog, 'a') : 'inherit';
  // The log names the Deno it ran on, in the gateway's line format: the version is what production parity hangs on.
  const versionLine = `${JSON.stringify({ level: 'info', msg: 'deno --version', version: denoVersion() })}\n`;
  if (out === 'inherit') process.stdout.write(versionLine);
  else writeSync(out, versionLine);
  const gateway = spawnBound(
    DENO,
    // HOUTAI_DENO_FLAGS adds runtime flags, e.g. "--v8-flags=--prof,--logfile=.local/v8.log,--no-logfile-per-isolate"
    // to profile a benchmark (`node --prof-process .local/v8.log` reads it; Deno 2.1 has no --cpu-prof).
    [
      'run',
      '--allow-net',
      '--allow-env',
      '--allow-read',
      '--allow-sys',
      `--allow-write=${join(opts.dir, 'storage')}`,
      ...(process.env.HOUTAI_DENO_FLAGS?.split(' ').filter(Boolean) ?? []),
      'scripts/gateway/main.ts',
    ],
    { cwd: ROOT, env, stdio: ['ignore', out, out], deathSignal: 'SIGTERM' },
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // The gateway first: it holds connections that would delay Postgres' shutdown.
    await stopChild(gateway, 'SIGTERM');
    await stopChild(mail.child, 'SIGTERM');
    await db.stop();
  };
  try {
    await waitForHttp(`${apiUrl}/functions/v1/api/v1/health`, gateway, gatewayLog, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }

  const crashed = Promise.race([
    exited(db.postgres).then(() => 'postgres'),
    exited(gateway).then(() => 'gateway'),
    exited(mail.child).then(() => 'the mail catcher'),
  ]).then((name) => (stopping ? new Promise<string>(() => {}) : name));

  const info: StackInfo = {
    apiUrl,
    functionsUrl: `${apiUrl}/functions/v1`,
    dbUrl: db.url,
    dataDir: db.dataDir,
    keys,
    mailUrl: mail.url,
    pids: { postgres: db.postgres.pid!, gateway: gateway.pid!, supervisor: process.pid, mailCatcher: mail.child.pid! },
  };
  writeFileSync(join(opts.dir, 'stack.json'), JSON.stringify(info, null, 2));
  return { ...info, stop, crashed };
}

export function readStackInfo(dir: string): StackInfo | undefined {
  const file = join(dir, 'stack.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackInfo) : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
