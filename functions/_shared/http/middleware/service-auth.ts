// Operational routes (the worker's run, Prometheus metrics) answer only the project's service role, or — for a
// metrics scraper that should not hold a service key — a bearer token of its own (METRICS_TOKEN).
// The service role is any of: an `sb_secret_` key (on `apikey`, where Supabase wants API keys, or as the bearer),
// the legacy service_role key as it is, or a JWT that verifies with role service_role. A publishable key never is.
import type { Context, MiddlewareHandler } from 'hono';
import { apiKeyKind, isOneOf } from '../../api-keys.ts';
import { timingSafeEqual } from '../../constant-time.ts';
import { ApiError } from '../../errors.ts';
import type { Claims } from '../../jwt.ts';
import type { AppEnv } from '../context.ts';
import { bearerToken } from './auth.ts';

const SERVICE_ROLE: Claims = { role: 'service_role' };

/** The keys that are the service role as they are: every secret key and the legacy service_role key. */
function serviceKeys(c: Context<AppEnv>): string[] {
  const { api, legacy } = c.var.config.keys;
  return legacy.serviceRole ? [...api.secret, legacy.serviceRole] : api.secret;
}

export function requireServiceRole(
  what: string,
  opts: { token?: (c: { var: AppEnv['Variables'] }) => string | undefined } = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('claims', await serviceCaller(c, what, opts.token?.(c)));
    await next();
  };
}

/** The service role's claims, or the refusal: a key of the project's is taken as it is, anything else as a JWT. */
async function serviceCaller(c: Context<AppEnv>, what: string, own: string | undefined): Promise<Claims | undefined> {
  const keys = serviceKeys(c);
  const apikey = c.req.header('apikey');
  if (apikey && (await isOneOf(apikey, keys))) return SERVICE_ROLE;
  const presented = bearerToken(c.req.header('authorization'));
  if (own && (await timingSafeEqual(presented, own))) return undefined;
  if (await isOneOf(presented, keys)) return SERVICE_ROLE;
  if (apiKeyKind(presented)) {
    throw new ApiError(
      'FORBIDDEN',
      `Only the service role may ${what}: this API key is not one of the project's secret keys.`,
    );
  }
  const claims = await c.var.verifyJwt(presented);
  if (claims.role !== 'service_role') throw new ApiError('FORBIDDEN', `Only the service role may ${what}.`);
  return claims;
}
