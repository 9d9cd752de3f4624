// Operational routes (the worker's run, Prometheus metrics) answer only the project's service role, or — for a
// metrics scraper that should not hold the service-role key — a bearer token of its own (METRICS_TOKEN).
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from '../../constant-time.ts';
import { ApiError } from '../../errors.ts';
import type { AppEnv } from '../context.ts';
import { bearerToken } from './auth.ts';

export function requireServiceRole(what: string, opts: { token?: (c: { var: AppEnv['Variables'] }) => string | undefined } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const presented = bearerToken(c.req.header('authorization'));
    const own = opts.token?.(c);
    if (!(own && (await timingSafeEqual(presented, own)))) {
      const claims = await c.var.verifyJwt(presented);
      if (claims.role !== 'service_role') throw new ApiError('FORBIDDEN', `Only the service role may ${what}.`);
      c.set('claims', claims);
    }
    await next();
  };
}
