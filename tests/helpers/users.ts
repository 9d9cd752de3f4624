// Test users: real accounts of the stack's Auth (the sign-up trigger runs as for real users), each signed in once
// for a real access token — ES256, signed with Auth's key, its kid in the JWKS, as hosted projects issue them.
// signAccessToken makes the tokens Auth will not: expired, forged, or legacy HS256 ones.
import { randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { type JWK, SignJWT } from 'jose';
import { newSigningKey } from '../../scripts/emulators/auth/signing-key.ts';
import { freshIp } from './addresses.ts';
import { stackEnv } from './stack.ts';

export interface TestUser {
  id: string;
  email: string;
  token: string;
}

/**
 * A token with the claims given, signed as a test needs: by default with Auth's ES256 key (or `signingKey`, e.g.
 * a stranger's key under Auth's kid); with `hs256Secret`, an HS256 token as a legacy project's Auth signs them.
 */
export async function signAccessToken(
  claims: Record<string, unknown>,
  opts: { signingKey?: JWK; hs256Secret?: string; expiresInSeconds?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims).setIssuedAt(now).setExpirationTime(now + (opts.expiresInSeconds ?? 3600));
  if (opts.hs256Secret) {
    return await jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(opts.hs256Secret));
  }
  const key = opts.signingKey ?? stackEnv().signingKey;
  return await jwt.setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' }).sign(key);
}

/** A P-256 key that is not Auth's, under Auth's kid: what a forger would sign with. */
export async function forgerKey(): Promise<JWK> {
  return { ...(await newSigningKey()), kid: stackEnv().signingKey.kid };
}

export function userClaims(id: string, email: string): Record<string, unknown> {
  return {
    iss: `${stackEnv().apiUrl}/auth/v1`,
    sub: id,
    aud: 'authenticated',
    email,
    phone: '',
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: Math.floor(Date.now() / 1000) }],
    session_id: randomUUID(),
    is_anonymous: false,
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: {},
  };
}

const PASSWORD = 'test-user-password';
// One hash for every test user, at bcrypt's lowest cost: Auth stores it as given and checks a sign-in in a millisecond.
let passwordHash: Promise<string> | undefined;

/** A call to the stack's Auth through the gateway with an API key, as supabase-js makes it; the parsed body. */
async function auth<Body = unknown>(path: string, apikey: string, json: unknown): Promise<Body> {
  const res = await fetch(`${stackEnv().apiUrl}/auth/v1${path}`, {
    method: 'POST',
    headers: { apikey, 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
    body: JSON.stringify(json),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`POST /auth/v1${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * A new signed-in user with the given user metadata; `id` for a user an earlier request already named (a store's app
 * user id). Created with the secret key through Auth's admin API, signed in with the publishable key.
 */
export async function createUser(meta: Record<string, unknown> = {}, id: string = randomUUID()): Promise<TestUser> {
  const { secretKey, publishableKey } = stackEnv();
  const email = `user-${id.slice(0, 8)}@test.local`;
  passwordHash ??= bcrypt.hash(PASSWORD, 4);
  await auth('/admin/users', secretKey, {
    id,
    email,
    password_hash: await passwordHash,
    email_confirm: true,
    user_metadata: meta,
  });
  const session = await auth<{ access_token: string }>('/token?grant_type=password', publishableKey, {
    email,
    password: PASSWORD,
  });
  return { id, email, token: session.access_token };
}
