// Authentication for app routes: a verified access token of a signed-in user is required.
import type { MiddlewareHandler } from 'hono';
import { bearerOf } from '../../bearer.ts';
import { ApiError } from '../../errors.ts';
import { type Claims, isUserToken } from '../../jwt.ts';
import type { AppEnv } from '../context.ts';

export function bearerToken(header: string | undefined): string {
  if (!header) throw new ApiError('UNAUTHORIZED', 'Sign in first: send "Authorization: Bearer <access token>".');
  const token = bearerOf(header);
  if (!token) throw new ApiError('INVALID_TOKEN', 'The Authorization header must be "Bearer <access token>".');
  return token;
}

export const requireUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  const claims = await c.var.verifyJwt(bearerToken(c.req.header('authorization')));
  if (!isUserToken(claims)) {
    throw new ApiError('UNAUTHORIZED', "This route needs a signed-in user's access token, not an API key.");
  }
  c.set('claims', claims);
  await next();
};

/** The verified user of a route behind requireUser. */
export function currentUser(c: { var: AppEnv['Variables'] }): Claims & { sub: string } {
  const claims = c.var.claims;
  if (!isUserToken(claims)) throw new ApiError('UNAUTHORIZED', 'Sign in first.');
  return claims;
}
