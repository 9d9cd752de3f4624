// Verifies Supabase Auth access tokens and API keys: HS256 with the project's JWT secret (local stack,
// legacy projects) and/or asymmetric keys from the Auth server's JWKS (current Supabase projects).
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { ApiError } from './errors.ts';

/** The claims Supabase Auth puts in an access token (GoTrue's shape); API keys carry only `role`. */
export interface Claims extends JWTPayload {
  role: string;
  sub?: string;
  aud?: string | string[];
  email?: string;
  phone?: string;
  session_id?: string;
  is_anonymous?: boolean;
  aal?: string;
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
}

export type VerifyJwt = (token: string) => Promise<Claims>;

/** Tokens already verified, kept until they expire: an app sends the same token for an hour. */
const VERIFIED_CACHE_SIZE = 10_000;

export function createJwtVerifier(opts: { secret?: string; jwksUrl?: string }): VerifyJwt {
  // The HMAC key is imported once, not on every verification.
  const secret = opts.secret
    ? crypto.subtle.importKey('raw', new TextEncoder().encode(opts.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    : undefined;
  const jwks = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined;
  const verified = new Map<string, Claims>();

  return async (token) => {
    const known = verified.get(token);
    if (known && (known.exp ?? 0) * 1000 > Date.now()) return known;
    if (known) verified.delete(token);
    const claims = await verify(token);
    // Oldest first out: a Map iterates in insertion order.
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, claims);
    return claims;
  };

  async function verify(token: string): Promise<Claims> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new ApiError('INVALID_TOKEN', 'The bearer token is not a JWT.');
    }
    try {
      const { payload } =
        alg === 'HS256' && secret
          ? await jwtVerify(token, await secret, { algorithms: ['HS256'], requiredClaims: ['exp'] })
          : jwks
            ? await jwtVerify(token, jwks, { algorithms: ['ES256', 'RS256', 'EdDSA'], requiredClaims: ['exp'] })
            : (() => {
                throw new ApiError('INVALID_TOKEN', `Tokens signed with ${alg ?? 'no algorithm'} are not accepted.`);
              })();
      if (typeof payload.role !== 'string') throw new ApiError('INVALID_TOKEN', 'The token has no role claim.');
      return payload as Claims;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof errors.JWTExpired) throw new ApiError('TOKEN_EXPIRED', 'The access token has expired; refresh the session.');
      throw new ApiError('INVALID_TOKEN', 'The bearer token is invalid.');
    }
  }
}

/** A signed-in user's token (not an API key, not an anonymous-role key). */
export function isUserToken(claims: Claims | undefined): claims is Claims & { sub: string } {
  return !!claims && claims.role === 'authenticated' && typeof claims.sub === 'string';
}
