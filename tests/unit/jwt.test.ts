import { exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../functions/_shared/jwt.ts';

describe("JWT verification with asymmetric keys (the project's JWKS, as SUPABASE_JWKS gives it)", () => {
  let jwks: JSONWebKeySet;
  let sign: (claims: Record<string, unknown>, exp?: number) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
    sign = (claims, exp = Math.floor(Date.now() / 1000) + 60) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setExpirationTime(exp).sign(privateKey);
  });

  it('accepts a token signed by a published key', async () => {
    const verify = createJwtVerifier({ jwks });
    const claims = await verify(await sign({ sub: 'u1', role: 'authenticated' }));
    expect(claims).toMatchObject({ sub: 'u1', role: 'authenticated' });
  });

  it('rejects expired tokens and HS256 tokens when only JWKS is configured', async () => {
    const verify = createJwtVerifier({ jwks });
    await expect(verify(await sign({ role: 'authenticated' }, 1000))).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    const hs = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('some-shared-secret-value'));
    await expect(verify(hs)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('requires a role and an expiry', async () => {
    const verify = createJwtVerifier({ secret: 'a-secret-of-sixteen+' });
    const key = new TextEncoder().encode('a-secret-of-sixteen+');
    const noRole = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(
      key,
    );
    const noExp = await new SignJWT({ role: 'anon' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    await expect(verify(noRole)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    await expect(verify(noExp)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });
});
