// Per-IP and per-user token buckets for each route family (read: GET/HEAD, write: the rest).
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../errors.ts';
import { clientIp, takeTokens, type BucketRequest } from '../../rate-limit.ts';
import type { AppEnv } from '../context.ts';

export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { config, db, claims } = c.var;
  if (!config.rateLimit.enabled) return next();
  const family = c.var.rateLimitFamily ?? (c.req.method === 'GET' || c.req.method === 'HEAD' ? 'read' : 'write');
  const limits = config.rateLimit.families[family];
  const buckets: BucketRequest[] = [];
  const ip = clientIp(c.req.header('x-forwarded-for'), config.trustedProxyHops);
  if (ip) buckets.push({ key: `${family}:ip:${ip}`, ...limits.ip });
  if (claims?.sub) buckets.push({ key: `${family}:user:${claims.sub}`, ...limits.user });
  const retryAfter = await takeTokens(db.sql, buckets);
  if (retryAfter > 0) {
    throw new ApiError(
      'RATE_LIMITED',
      `Too many requests; retry in ${retryAfter} s.`,
      [{ code: 'rate_limited', message: `limit for ${family} requests reached`, retry_after: retryAfter }],
      { 'Retry-After': String(retryAfter) },
    );
  }
  await next();
};
