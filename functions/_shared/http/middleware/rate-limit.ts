// Per-IP and per-user token buckets for each route family (read: GET/HEAD, write: the rest).
// Read and write routes take their tokens in the same write as their first transaction (a preamble on the
// request's Db), so limiting costs no round trip; a handler that never touches the database takes them after.
// Sign-in routes call Auth before any transaction, so they take their tokens up front.
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../errors.ts';
import { clientIp, rateLimitPreamble, takeTokens, type BucketRequest } from '../../rate-limit.ts';
import type { RateLimitFamily } from '../../env.ts';
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
  const { config, db, claims } = c.var;
  if (!config.rateLimit.enabled) return next();
  const family = c.var.rateLimitFamily ?? (c.req.method === 'GET' || c.req.method === 'HEAD' ? 'read' : 'write');
  const limits = config.rateLimit.families[family];
  const buckets: BucketRequest[] = [];
  const ip = clientIp(c.req.header('x-forwarded-for'), config.trustedProxyHops);
  if (ip) buckets.push({ key: `${family}:ip:${ip}`, ...limits.ip });
  if (claims?.sub) buckets.push({ key: `${family}:user:${claims.sub}`, ...limits.user });
  if (buckets.length === 0) return next();

  const takeNow = async () => {
    const retryAfter = await takeTokens(db.sql, buckets);
    if (retryAfter > 0) throw rateLimited(family, retryAfter);
  };
  if (family === 'auth') {
    await takeNow();
    return next();
  }
  let sent = false;
  c.set('db', db.withPreamble(rateLimitPreamble(buckets, (retry) => rateLimited(family, retry), () => (sent = true))));
  try {
    await next();
  } finally {
    // A request that failed before any transaction (invalid input, say) still spends its tokens.
    if (!sent) await takeNow();
  }
};
