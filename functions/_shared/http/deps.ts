// A function's dependencies as deployed: configuration from the environment, the pool, the JWT verifier.
import { onShutdown } from '../background.ts';
import { createDb, type Db } from '../db.ts';
import { type Config, loadConfig } from '../env.ts';
import { createJwtVerifier } from '../jwt.ts';
import { createRateLimiter, type RateLimiter } from '../rate-limit.ts';
import { logEvent } from '../log.ts';
import type { AppDeps } from './create-app.ts';

export function depsFromEnv(config: Config = loadConfig()): AppDeps {
  const db = createDb(config);
  return { config, db, verifyJwt: createJwtVerifier(config.jwt), rateLimiter: rateLimiterFor(db, config) };
}

/**
 * The instance's rate limiter: a failed background sync is logged (its grants go with the next one), and when the
 * isolate stops, the grants not yet synced are sent (they would be lost with it).
 */
export function rateLimiterFor(db: Db, config: Config): RateLimiter {
  const limiter = createRateLimiter(db.sql, {
    syncMs: config.rateLimit.syncMs,
    onSyncError: (error) => logEvent('error', 'rate-limit sync failed', { error: String(error) }),
  });
  const forget = onShutdown('rate-limit sync', () => limiter.flush());
  return {
    ...limiter,
    close: () => {
      forget();
      return limiter.close();
    },
  };
}

/** Builds the app once, on the first request, so importing a function never needs its environment. */
export function lazyFetch(build: () => { fetch: (req: Request) => Response | Promise<Response> }) {
  let app: ReturnType<typeof build> | undefined;
  return (req: Request) => (app ??= build()).fetch(req);
}
