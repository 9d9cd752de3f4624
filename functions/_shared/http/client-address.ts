// The caller's address as our trusted proxies saw it (see clientIp): what rate limits, sessions and logs keep of
// X-Forwarded-For, never the chain itself.
import type { Context } from 'hono';
import { clientIp } from '../rate-limit.ts';
import type { AppEnv } from './context.ts';

export const clientAddress = (c: Context<AppEnv>): string | undefined =>
  clientIp(c.req.header('x-forwarded-for'), c.var.config.trustedProxyHops);
