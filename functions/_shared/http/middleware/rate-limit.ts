// Per-IP and per-user token buckets for each route family (read: GET/HEAD, write: the rest; sign-in routes and the
// hooks function name their own), spent before the handler runs, so a refused request does nothing and a request
// that fails later has still spent its tokens. Reads, writes and hooks are decided in memory and synced to Postgres
// in the background (see rate-limit.ts); sign-in routes, which send codes and call Auth, take theirs in Postgres,
// strictly.
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../errors.ts';
import { type BucketRequest, takeTokens } from '../../rate-limit.ts';
import type { RateLimitFamily } from '../../env.ts';
import { clientAddress } from '../client-address.ts';
import type { AppEnv } from '../context.ts';

function rateLimited(family: RateLimitFamily, retryAfter: number): ApiError {
  return new ApiError(
    'RATE_LIMITED',
    `Too many requests; retry in ${retryAfter} s.`,
    [{ code: 'rate_limited', message: `limit for ${family} requests reached`, retry_after: retryAfter }],
    { 'Retry-After': String(retryAfter) },
  );
}

export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { config, db, claims, rateLimiter } = c.var;
  if (!config.rateLimit.enabled) return next();
  const family = c.var.rateLimitFamily ?? (c.req.method === 'GET' || c.req.method === 'HEAD' ? 'read' : 'write');
  const limits = config.rateLimit.families[family];
  const buckets: BucketRequest[] = [];
  const ip = clientAddress(c);
  if (ip) buckets.push({ key: `${family}:ip:${ip}`, ...limits.ip });
  if (claims?.sub) buckets.push({ key: `${family}:user:${claims.sub}`, ...limits.user });
  if (buckets.length === 0) return next();

  const retryAfter = family === 'auth' ? await takeTokens(db.sql, buckets) : await rateLimiter.take(buckets);
  if (retryAfter > 0) throw rateLimited(family, retryAfter);
  return next();
};

/** The limit for every request it sees counted as one family, whatever the method (sign-in routes, the hooks). */
export const rateLimitAs = (family: RateLimitFamily): MiddlewareHandler<AppEnv> => (c, next) => {
  c.set('rateLimitFamily', family);
  return rateLimit(c, next);
};
