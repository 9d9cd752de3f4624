// Verifies Supabase Auth access tokens: asymmetric tokens (ES256 and kin, what Supabase Auth signs user tokens
// with now) against the project's JWKS, which hosted functions receive as SUPABASE_JWKS, and legacy HS256 tokens
// (the legacy anon / service_role keys, projects still on the JWT secret) against JWT_SECRET.
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
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

/** What the project verifies JWTs with: its JWT secret (HS256) and/or its JWKS (public keys only). */
export interface JwtKeys {
  secret?: string;
  jwks?: JSONWebKeySet;
}

const ASYMMETRIC = ['ES256', 'RS256', 'EdDSA'];

/**
 * The key for a token, chosen by its header: HS256 → the JWT secret; any other algorithm → the JWKS key with the
 * token's `kid` (jose's local set matches kid, key type and algorithm). Never the other way round, so a public key
 * can never serve as an HMAC secret. Shared by the functions and the local emulators, so all verify alike.
 */
export function jwtKeyResolver(keys: JwtKeys): { key: JWTVerifyGetKey; algorithms: string[] } {
  // The HMAC key is imported once, not on every verification.
  const secret = keys.secret
    ? crypto.subtle.importKey('raw', new TextEncoder().encode(keys.secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'verify',
    ])
    : undefined;
  const jwks = keys.jwks ? createLocalJWKSet(keys.jwks) : undefined;
  const algorithms = [...(secret ? ['HS256'] : []), ...(jwks ? ASYMMETRIC : [])];
  const key: JWTVerifyGetKey = (header, token) => {
    if (header.alg === 'HS256' && secret) return secret;
    if (header.alg !== 'HS256' && jwks) return jwks(header, token);
    throw new errors.JOSEAlgNotAllowed(`tokens signed with ${header.alg ?? 'no algorithm'} are not accepted`);
  };
  return { key, algorithms };
}

/** Tokens already verified, kept until they expire: an app sends the same token for an hour. */
const VERIFIED_CACHE_SIZE = 10_000;

export function createJwtVerifier(keys: JwtKeys): VerifyJwt {
  const { key, algorithms } = jwtKeyResolver(keys);
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
    try {
      decodeProtectedHeader(token);
    } catch {
      throw new ApiError('INVALID_TOKEN', 'The bearer token is not a JWT.');
    }
    try {
      const { payload } = await jwtVerify(token, key, { algorithms, requiredClaims: ['exp'] });
      if (typeof payload.role !== 'string') throw new ApiError('INVALID_TOKEN', 'The token has no role claim.');
      return payload as Claims;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof errors.JWTExpired) {
        throw new ApiError('TOKEN_EXPIRED', 'The access token has expired; refresh the session.');
      }
      if (err instanceof errors.JOSEAlgNotAllowed) {
        throw new ApiError('INVALID_TOKEN', 'Tokens signed with this algorithm are not accepted.');
      }
      throw new ApiError('INVALID_TOKEN', 'The bearer token is invalid.');
    }
  }
}

/** A signed-in user's token (not an API key, not an anonymous-role key). */
export function isUserToken(claims: Claims | undefined): claims is Claims & { sub: string } {
  return !!claims && claims.role === 'authenticated' && typeof claims.sub === 'string';
}
