// Tokens as hosted projects issue them now: Auth signs user tokens with an asymmetric key (ES256) whose public half
// it publishes at /auth/v1/.well-known/jwks.json, and everything that checks a token verifies it against that JWKS
// by kid. Legacy HS256 tokens, signed with the JWT secret, still verify.
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { call, envelope } from '../helpers/http.ts';
import { rawGetUser } from '../helpers/auth.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser, forgerKey, signAccessToken, userClaims } from '../helpers/users.ts';

async function publishedJwks(): Promise<{ res: Response; jwks: JSONWebKeySet }> {
  const res = await fetch(`${stackEnv().apiUrl}/auth/v1/.well-known/jwks.json`);
  return { res, jwks: (await res.json()) as JSONWebKeySet };
}

describe('Auth signing keys', () => {
  it('signs access tokens ES256 with a kid that /auth/v1/.well-known/jwks.json lists, public half only', async () => {
    const user = await createUser();
    const header = decodeProtectedHeader(user.token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });

    const { res, jwks } = await publishedJwks();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=600');
    const key = jwks.keys.find((k) => k.kid === header.kid);
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', key_ops: ['verify'] });
    for (const k of jwks.keys) expect(k).not.toHaveProperty('d');
    // The published key is the one the token verifies with.
    const { payload } = await jwtVerify(user.token, createLocalJWKSet(jwks), { algorithms: ['ES256'] });
    expect(payload).toMatchObject({ sub: user.id, role: 'authenticated' });
  });

  it("refuse a token signed by another P-256 key under Auth's kid: the API, Auth, gateway verify_jwt", async () => {
    const user = await createUser();
    const forged = await signAccessToken(userClaims(user.id, user.email), { signingKey: await forgerKey() });
    expect(decodeProtectedHeader(forged).kid).toBe(decodeProtectedHeader(user.token).kid);

    const api = await call('GET', '/coach/me', { token: forged });
    expect(api.status).toBe(401);
    expect(envelope(api).code).toBe('INVALID_TOKEN');
    expect(await rawGetUser(forged)).toMatchObject({ status: 403, code: 'bad_jwt' });
    const gateway = await fetch(`${stackEnv().apiUrl}/functions/v1/worker/health`, {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(gateway.status).toBe(401);
    // The real token of the same user passes everywhere.
    expect((await call('GET', '/coach/me', { token: user.token })).status).toBe(200);
    expect(await rawGetUser(user.token)).toMatchObject({ status: 200 });
  });

  it('accepts a legacy HS256 token signed with the JWT secret (a project still on its JWT secret)', async () => {
    const user = await createUser();
    const legacy = await signAccessToken(userClaims(user.id, user.email), { hs256Secret: stackEnv().jwtSecret });
    expect(decodeProtectedHeader(legacy).alg).toBe('HS256');
    const res = await call('GET', '/coach/me', { token: legacy });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id });
  });
});
