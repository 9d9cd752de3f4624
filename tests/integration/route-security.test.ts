// One sweep over every route the API's router serves, read from the router itself rather than from the OpenAPI
// document (a route mounted with a plain app.get() is served whether or not it is documented). Every route needs a
// signed-in user's valid token unless it is declared below with its reason, so a new route that forgets its
// protection fails here until someone decides it is public. And every route is in the OpenAPI document.
import { describe, expect, it } from 'vitest';
import { call, envelope } from '../helpers/http.ts';
import { inProcessApi } from '../helpers/in-process.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser, forgerKey, signAccessToken, userClaims } from '../helpers/users.ts';

/** Routes anyone may call, and why. */
const PUBLIC: Record<string, string> = {
  'GET /health': 'liveness and database health, for uptime checks and load balancers',
  'GET /docs': 'the API reference page',
  'GET /docs/scalar.js': "the reference page's script (a published npm package's browser bundle)",
  'GET /openapi.json': 'the API description the reference page and client generators read',
  'POST /:app/auth/device': 'a sign-in: how an app gets its first token',
  'POST /:app/auth/wechat': 'a sign-in: how an app gets its first token',
};

/** Routes for operators, not users: their own token or the service-role key. */
const SERVICE_ONLY: Record<string, string> = {
  'GET /metrics':
    "the Prometheus scraper's (METRICS_TOKEN or the service-role key); route names and latencies are reconnaissance",
};

/** Routes served but not in the OpenAPI document, and why. */
const UNDOCUMENTED: Record<string, string> = {};

interface Route {
  method: string;
  /** As the router has it, under the API's base path: /:app/files/:bucket/:path{.+} */
  path: string;
}

const key = (r: Route) => `${r.method} ${r.path}`;

/** Every method and path the router answers, middleware (method ALL) aside. */
function servedRoutes(): Route[] {
  const seen = new Map<string, Route>();
  for (const r of inProcessApi().app.routes) {
    if (r.method === 'ALL') continue;
    const route = { method: r.method, path: r.path.replace(/^\/api\/v1/, '') };
    seen.set(key(route), route);
  }
  return [...seen.values()];
}

/** A path to request: an app id for :app, a uuid for every other parameter (any pattern it has accepts one). */
const concrete = (path: string) =>
  path.replace(
    /:([a-z_]+)(\{[^}]*\})?/g,
    (_, name: string) => (name === 'app' ? 'coach' : '00000000-0000-4000-8000-000000000000'),
  );

/** The router's path as OpenAPI writes it: /{app}/files/{bucket}/{path} */
const openApiPath = (path: string) => path.replace(/:([a-z_]+)(\{[^}]*\})?/g, '{$1}');

const request = (method: string, path: string, token?: string) =>
  call(method, concrete(path), { token, json: method === 'GET' || method === 'DELETE' ? undefined : {} });

async function forgedAndExpired(): Promise<{ user: string; forged: string; expired: string }> {
  const user = await createUser();
  const claims = userClaims(user.id, user.email);
  return {
    user: user.token,
    forged: await signAccessToken(claims, { signingKey: await forgerKey() }),
    expired: await signAccessToken(claims, { expiresInSeconds: -1 }),
  };
}

const routes = servedRoutes();
const declared = { ...PUBLIC, ...SERVICE_ONLY };
const userRoutes = routes.filter((r) => !(key(r) in declared));
/** [method, path] rows, for test titles that read "GET /path". */
const rows = (of: Route[]) => of.map((r) => [r.method, r.path] as const);

describe('the route sweep', () => {
  it('reads the routes from the router, the file download route included', () => {
    expect(userRoutes.length).toBeGreaterThanOrEqual(40);
    expect(userRoutes).toContainEqual({ method: 'GET', path: '/:app/files/:bucket/:path{.+}' });
  });

  it('declares only routes the router serves', () => {
    const served = new Set(routes.map(key));
    expect(Object.keys({ ...declared, ...UNDOCUMENTED }).filter((k) => !served.has(k))).toEqual([]);
  });

  it('finds every route in the OpenAPI document, or exempted with a reason', async () => {
    const spec = (await call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(
      Object.entries(spec.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path.replace(/^\/api\/v1/, '')}`)
      ),
    );
    const missing = routes.filter((r) =>
      !(key(r) in UNDOCUMENTED) && !documented.has(`${r.method} ${openApiPath(r.path)}`)
    );
    expect(missing.map(key)).toEqual([]);
  });
});

describe('every route not declared public', () => {
  it.each(rows(userRoutes))(
    '%s %s refuses missing, API-key (legacy and sb_), forged and expired tokens, and lets a user in',
    async (method, path) => {
      const tokens = await forgedAndExpired();
      const cases: Array<[string, string | undefined, string]> = [
        ['no token', undefined, 'UNAUTHORIZED'],
        ['anon key', stackEnv().anonKey, 'UNAUTHORIZED'],
        ['service-role key', stackEnv().serviceRoleKey, 'UNAUTHORIZED'],
        ['publishable key', stackEnv().publishableKey, 'INVALID_TOKEN'],
        ['secret key', stackEnv().secretKey, 'INVALID_TOKEN'],
        ['forged', tokens.forged, 'INVALID_TOKEN'],
        ['expired', tokens.expired, 'TOKEN_EXPIRED'],
      ];
      for (const [label, token, code] of cases) {
        const res = await request(method, path, token);
        expect(res.status, label).toBe(401);
        expect(envelope(res).code, label).toBe(code);
      }
      // A user's valid token gets past authentication (the made-up ids and empty bodies are then 400 or 404).
      expect((await request(method, path, tokens.user)).status).not.toBe(401);
    },
  );
});

describe('operator routes', () => {
  it.each(rows(routes.filter((r) => key(r) in SERVICE_ONLY)))(
    '%s %s answers the service role only',
    async (method, path) => {
      const tokens = await forgedAndExpired();
      const cases: Array<[string, string | undefined, number, string]> = [
        ['no token', undefined, 401, 'UNAUTHORIZED'],
        ['anon key', stackEnv().anonKey, 403, 'FORBIDDEN'],
        ["a user's token", tokens.user, 403, 'FORBIDDEN'],
        ['forged', tokens.forged, 401, 'INVALID_TOKEN'],
        ['expired', tokens.expired, 401, 'TOKEN_EXPIRED'],
      ];
      for (const [label, token, status, code] of cases) {
        const res = await request(method, path, token);
        expect(res.status, label).toBe(status);
        expect(envelope(res).code, label).toBe(code);
      }
      expect((await request(method, path, stackEnv().serviceRoleKey)).status).toBe(200);
    },
  );
});

describe('routes declared public', () => {
  it.each(rows(routes.filter((r) => key(r) in PUBLIC)))('%s %s answers without a token', async (method, path) => {
    const res = await request(method, path);
    expect([401, 403]).not.toContain(res.status);
    expect(res.status).toBeLessThan(500);
  });
});
