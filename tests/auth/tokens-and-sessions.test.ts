// Access-token claims, refresh-token rotation and reuse detection, sign-out scopes, getUser/updateUser.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { anonClient, claimsOf, freshIp, rawAuthPost, rawGetUser, sessionClient } from '../helpers/auth.ts';
import { freshEmail, signUpConfirmed } from '../helpers/mail.ts';
import { Buffer } from 'node:buffer';

/** A confirmed email user, and a password sign-in's session. */
async function signedUp() {
  const email = freshEmail('t');
  const { user } = await signUpConfirmed(email, 'correct horse');
  return { email, session: await signIn(email), user };
}

/** POST /auth/v1/token?grant_type=refresh_token as supabase-js sends it, answered raw. */
const rawRefresh = (refreshToken: string) =>
  rawAuthPost('token?grant_type=refresh_token', { refresh_token: refreshToken });

async function signIn(email: string) {
  const { data } = await anonClient().auth.signInWithPassword({ email, password: 'correct horse' });
  return data.session!;
}

describe('access tokens', () => {
  it("carry GoTrue's claims, ES256-signed with the signing key's kid, for one hour", async () => {
    const { session, user, email } = await signedUp();
    const [header] = session.access_token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'ES256',
      kid: stackEnv().signingKey.kid,
      typ: 'JWT',
    });
    const claims = claimsOf(session.access_token);
    expect(Object.keys(claims)).toEqual([
      'iss',
      'sub',
      'aud',
      'exp',
      'iat',
      'email',
      'phone',
      'app_metadata',
      'user_metadata',
      'role',
      'aal',
      'amr',
      'session_id',
      'is_anonymous',
    ]);
    expect(claims).toMatchObject({
      iss: `${stackEnv().apiUrl}/auth/v1`,
      sub: user.id,
      aud: 'authenticated',
      email,
      phone: '',
      role: 'authenticated',
      aal: 'aal1',
      is_anonymous: false,
    });
    expect(claims.exp - claims.iat).toBe(3600);
    expect(session.expires_in).toBe(3600);
    expect(claims.amr).toEqual([{ method: 'password', timestamp: expect.any(Number) }]);
  });
});

describe('refresh tokens', () => {
  it('rotate: each refresh returns a new token for the same session', async () => {
    const { email } = await signedUp();
    const session = await signIn(email);
    const client = anonClient();
    const first = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(first.error).toBeNull();
    expect(first.data.session!.refresh_token).not.toBe(session.refresh_token);
    expect(claimsOf(first.data.session!.access_token).session_id).toBe(claimsOf(session.access_token).session_id);
    // A retry with the token just rotated gets the same child back.
    const retry = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(retry.data.session!.refresh_token).toBe(first.data.session!.refresh_token);
  });

  it('within the reuse interval, give an older token of a live session a child (two tabs refreshing)', async () => {
    const { email } = await signedUp();
    const session = await signIn(email);
    const client = anonClient();
    const first = (await client.auth.refreshSession({ refresh_token: session.refresh_token })).data.session!;
    await client.auth.refreshSession({ refresh_token: first.refresh_token });
    const late = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(late.error).toBeNull();
    expect(claimsOf(late.data.session!.access_token).session_id).toBe(claimsOf(session.access_token).session_id);
  });

  it('revoke the session when an old token is back past the reuse interval: the live token stops at once', async () => {
    const { email } = await signedUp();
    const session = await signIn(email);
    const sessionId = claimsOf(session.access_token).session_id;
    const client = anonClient();
    const first = (await client.auth.refreshSession({ refresh_token: session.refresh_token })).data.session!;
    const second = (await client.auth.refreshSession({ refresh_token: first.refresh_token })).data.session!;
    // A minute passes: the first token was revoked longer ago than the 10 s reuse interval.
    await adminSql()`
      update auth.refresh_tokens set updated_at = now() - interval '1 minute' where session_id = ${sessionId}`;
    const stolen = await client.auth.refreshSession({ refresh_token: session.refresh_token });
    expect(stolen.error).toMatchObject({
      status: 400,
      code: 'refresh_token_already_used',
      message: 'Invalid Refresh Token: Already Used',
    });
    // Right away, not a reuse interval later: the newest token is dead too, as is every other of the session.
    const victim = await client.auth.refreshSession({ refresh_token: second.refresh_token });
    expect(victim.error).toMatchObject({ status: 400, code: 'refresh_token_already_used' });
    for (const token of [second.refresh_token, first.refresh_token]) {
      expect(await rawRefresh(token)).toEqual({
        status: 400,
        errorCode: 'refresh_token_already_used',
        body: { code: 'refresh_token_already_used', message: 'Invalid Refresh Token: Already Used' },
      });
    }
    const [{ live }] = await adminSql()`
      select count(*)::int as live from auth.refresh_tokens where session_id = ${sessionId} and not revoked`;
    expect(live).toBe(0);
  });

  it('are refused when unknown', async () => {
    const { error } = await anonClient().auth.refreshSession({ refresh_token: 'abcdefghijkl' });
    expect(error).toMatchObject({ status: 400, code: 'refresh_token_not_found' });
  });
});

describe('sessions', () => {
  it('record the address the trusted proxy appended, not the first X-Forwarded-For entry from the client', async () => {
    const ip = freshIp();
    const { session } = await signUpConfirmed(freshEmail('t'), 'correct horse', { ip: `203.0.113.66, ${ip}` });
    const [row] = await adminSql()`select host(ip) as ip from auth.sessions where id = ${
      claimsOf(session.access_token).session_id
    }`;
    expect(row.ip).toBe(ip);
  });
});

describe('sign-out', () => {
  it('local ends only this session', async () => {
    const { email } = await signedUp();
    const [a, b] = [await signIn(email), await signIn(email)];
    const client = await sessionClient(a);
    expect((await client.auth.signOut({ scope: 'local' })).error).toBeNull();
    expect((await anonClient().auth.refreshSession({ refresh_token: a.refresh_token })).error?.code).toBe(
      'refresh_token_not_found',
    );
    expect((await anonClient().auth.refreshSession({ refresh_token: b.refresh_token })).error).toBeNull();
    // The signed-out access token no longer reaches the user.
    expect(await rawGetUser(a.access_token)).toEqual({ status: 403, code: 'session_not_found' });
    // supabase-js reports that as a missing session.
    expect((await anonClient().auth.getUser(a.access_token)).error?.name).toBe('AuthSessionMissingError');
  });

  it('others ends every session but this one; global ends all', async () => {
    const { email } = await signedUp();
    const [a, b, c] = [await signIn(email), await signIn(email), await signIn(email)];
    const client = await sessionClient(a);
    await client.auth.signOut({ scope: 'others' });
    expect((await anonClient().auth.refreshSession({ refresh_token: b.refresh_token })).error?.code).toBe(
      'refresh_token_not_found',
    );
    const stillA = await anonClient().auth.getUser(a.access_token);
    expect(stillA.error).toBeNull();

    const d = await signIn(email);
    const other = await sessionClient(d);
    await other.auth.signOut({ scope: 'global' });
    for (const s of [a, c, d]) {
      expect((await anonClient().auth.refreshSession({ refresh_token: s.refresh_token })).error?.code).toBe(
        'refresh_token_not_found',
      );
    }
  });
});

describe('getUser and updateUser', () => {
  it('reads the user fresh and merges metadata (null removes a key)', async () => {
    const { session, user } = await signedUp();
    const client = await sessionClient(session);
    await client.auth.updateUser({ data: { nickname: 'Ada', theme: 'dark' } });
    const { data } = await client.auth.updateUser({ data: { theme: null, level: 2 } });
    expect(data.user?.user_metadata).toMatchObject({ nickname: 'Ada', level: 2 });
    expect(data.user?.user_metadata).not.toHaveProperty('theme');
    const fresh = await anonClient().auth.getUser(session.access_token);
    expect(fresh.data.user?.id).toBe(user.id);
  });

  it('changing the password ends the other sessions and refuses the same password', async () => {
    const { email, session } = await signedUp();
    const other = await signIn(email);
    const client = await sessionClient(session);
    expect((await client.auth.updateUser({ password: 'correct horse' })).error).toMatchObject({
      status: 422,
      code: 'same_password',
    });
    expect((await client.auth.updateUser({ password: 'battery staple' })).error).toBeNull();
    expect((await anonClient().auth.refreshSession({ refresh_token: other.refresh_token })).error?.code).toBe(
      'refresh_token_not_found',
    );
    expect((await anonClient().auth.signInWithPassword({ email, password: 'battery staple' })).error).toBeNull();
  });

  it('refuses tokens that are missing, forged or API keys', async () => {
    const { apiUrl, anonKey } = stackEnv();
    const res = await fetch(`${apiUrl}/auth/v1/user`, {
      headers: { apikey: anonKey, 'x-supabase-api-version': '2024-01-01' },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'no_authorization' });
    expect((await anonClient().auth.getUser(anonKey)).error).toMatchObject({ status: 403, code: 'bad_jwt' });
    expect((await anonClient().auth.getUser('x.y.z')).error).toMatchObject({ status: 403, code: 'bad_jwt' });
  });
});
