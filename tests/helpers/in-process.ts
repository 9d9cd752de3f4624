// A function's app called in-process (app.request) with a configuration of the test's choosing, against the
// test database: for behaviour that needs settings the shared stack does not have (tiny rate limits,
// an unreachable database, a provider of the test's own).
import { afterAll } from 'vitest';
import { createApiApp } from '../../functions/api/app.ts';
import { createHooksApp } from '../../functions/hooks/app.ts';
import { createWorkerApp } from '../../functions/worker/app.ts';
import type { AppDeps } from '../../functions/_shared/http/create-app.ts';
import { createDb } from '../../functions/_shared/db.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { createJwtVerifier } from '../../functions/_shared/jwt.ts';
import { rateLimiterFor } from '../../functions/_shared/http/deps.ts';
import { functionKeysEnv, stackEnv } from './stack.ts';

function inProcess<A extends { request: (path: string, init?: RequestInit) => Response | Promise<Response> }>(
  create: (deps: AppDeps) => A,
  basePath: string,
  env: Record<string, string>,
) {
  const { dbUrl, apiUrl } = stackEnv();
  const config = loadConfig({
    SUPABASE_URL: apiUrl,
    SUPABASE_DB_URL: dbUrl,
    ...functionKeysEnv(),
    LOG_REQUESTS: 'false',
    ...env,
  });
  const db = createDb(config);
  const rateLimiter = rateLimiterFor(db, config);
  afterAll(async () => {
    await rateLimiter.close();
    await db.end();
  });
  const app = create({ config, db, verifyJwt: createJwtVerifier(config.jwt), rateLimiter });
  return {
    app,
    request: (path: string, init: RequestInit = {}) => app.request(`${basePath}${path}`, init),
  };
}

export const inProcessApi = (env: Record<string, string> = {}) => inProcess(createApiApp, '/api/v1', env);

export const inProcessHooks = (env: Record<string, string> = {}) => inProcess(createHooksApp, '/hooks', env);

/** The worker function with its production handlers, configured by `env`. */
export const inProcessWorker = (env: Record<string, string> = {}) =>
  inProcess((deps) => createWorkerApp(deps), '/worker', env);
