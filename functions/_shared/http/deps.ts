// A function's dependencies as deployed: configuration from the environment, the pool, the JWT verifier.
import { createDb } from '../db.ts';
import { loadConfig, type Config } from '../env.ts';
import { createJwtVerifier } from '../jwt.ts';
import type { AppDeps } from './create-app.ts';

export function depsFromEnv(config: Config = loadConfig()): AppDeps {
  return { config, db: createDb(config), verifyJwt: createJwtVerifier(config.jwt) };
}

/** Builds the app once, on the first request, so importing a function never needs its environment. */
export function lazyFetch(build: () => { fetch: (req: Request) => Response | Promise<Response> }) {
  let app: ReturnType<typeof build> | undefined;
  return (req: Request) => (app ??= build()).fetch(req);
}
