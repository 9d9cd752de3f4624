// Test users: rows in auth.users (the sign-up trigger runs as for real users) and access tokens with the
// claim shape Supabase Auth issues, signed with the stack's JWT secret.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { adminSql } from './db.ts';
import { stackEnv } from './stack.ts';

export interface TestUser {
  id: string;
  email: string;
  token: string;
}

export async function signAccessToken(
  claims: Record<string, unknown>,
  opts: { secret?: string; expiresInSeconds?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.expiresInSeconds ?? 3600))
    .sign(new TextEncoder().encode(opts.secret ?? stackEnv().jwtSecret));
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

/** A new user with the given user metadata; `id` for a user an earlier request already named (a store's app user id). */
export async function createUser(meta: Record<string, unknown> = {}, id: string = randomUUID()): Promise<TestUser> {
  const email = `user-${id.slice(0, 8)}@test.local`;
  await adminSql()`
    insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    values (${id}, 'authenticated', 'authenticated', ${email}, ${adminSql().json({ provider: 'email' })},
            ${adminSql().json(meta as never)}, now(), now())`;
  return { id, email, token: await signAccessToken(userClaims(id, email)) };
}
