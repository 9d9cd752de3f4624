// Bad input of every kind gets the standard error envelope with the right status.
import { describe, expect, it } from 'vitest';
import { call, envelope } from '../helpers/http.ts';
import { createUser, forgerKey, signAccessToken, userClaims } from '../helpers/users.ts';
import { Buffer } from 'node:buffer';
import { stackEnv } from '../helpers/stack.ts';

describe('error envelope', () => {
  it('unknown route → 404 NOT_FOUND', async () => {
    const res = await call('GET', '/no-such-thing');
    expect(res.status).toBe(404);
    expect(envelope(res).code).toBe('NOT_FOUND');
  });

  it('unknown route under a known app → 404 NOT_FOUND', async () => {
    const user = await createUser();
    const res = await call('GET', '/coach/no-such-resource', { token: user.token });
    expect(res.status).toBe(404);
    expect(envelope(res).code).toBe('NOT_FOUND');
  });

  it('unknown app → 404 UNKNOWN_APP', async () => {
    const user = await createUser();
    const res = await call('GET', '/tiktok/me', { token: user.token });
    expect(res.status).toBe(404);
    expect(envelope(res)).toMatchObject({ code: 'UNKNOWN_APP' });
  });

  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    const user = await createUser();
    const res = await call('PATCH', '/coach/me', { token: user.token, rawBody: '{"display_name": "x",' });
    expect(res.status).toBe(400);
    expect(envelope(res).code).toBe('MALFORMED_JSON');
  });

  it('schema violation → 400 VALIDATION_FAILED with field details', async () => {
    const user = await createUser();
    const res = await call('PATCH', '/coach/me', { token: user.token, json: { timezone: 'Mars/Olympus', locale: 42 } });
    expect(res.status).toBe(400);
    const err = envelope(res);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details.map((d) => d.field).sort()).toEqual(['locale', 'timezone']);
    expect(err.details.every((d) => typeof d.message === 'string' && d.in === 'json')).toBe(true);
  });

  it('unknown fields are rejected, not silently dropped', async () => {
    const user = await createUser();
    const res = await call('PATCH', '/coach/me', { token: user.token, json: { display_name: 'x', is_admin: true } });
    expect(res.status).toBe(400);
    expect(envelope(res).code).toBe('VALIDATION_FAILED');
  });

  it('body over the limit → 413 PAYLOAD_TOO_LARGE', async () => {
    const user = await createUser();
    const big = JSON.stringify({ preferences: { blob: 'x'.repeat(1024 * 1024 + 10) } });
    const res = await call('PATCH', '/coach/me', { token: user.token, rawBody: big });
    expect(res.status).toBe(413);
    expect(envelope(res).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('an answer sent before the body is read says connection: close; a body read through keeps it open', async () => {
    const user = await createUser();
    const big = JSON.stringify({ preferences: { blob: 'x'.repeat(1024 * 1024 + 10) } });
    const refused = await call('PATCH', '/coach/me', { token: user.token, rawBody: big });
    expect(refused.status).toBe(413);
    expect(refused.headers.get('connection')).toBe('close');
    // The gateway's own refusal of a verify_jwt function: answered before the body is looked at.
    const functions = `${stackEnv().apiUrl}/functions/v1`;
    const unsigned = await call('POST', '/worker/run', { base: functions, token: 'not-a-jwt', json: { limit: 1 } });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('connection')).toBe('close');
    const read = await call('PATCH', '/coach/me', { token: user.token, json: { display_name: 'kept' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('connection')).not.toBe('close');
  });

  it('an oversized body nothing is written from', async () => {
    const user = await createUser();
    const big = JSON.stringify({ display_name: 'Big', preferences: { blob: 'x'.repeat(1024 * 1024 + 10) } });
    expect((await call('PATCH', '/coach/me', { token: user.token, rawBody: big })).status).toBe(413);
    const me = await call('GET', '/coach/me', { token: user.token });
    expect(me.body.display_name).toBeNull();
  });

  describe('JWT', () => {
    it('missing → 401 UNAUTHORIZED', async () => {
      const res = await call('GET', '/coach/me');
      expect(res.status).toBe(401);
      expect(envelope(res).code).toBe('UNAUTHORIZED');
    });

    it('malformed → 401 INVALID_TOKEN', async () => {
      for (const header of ['Bearer not-a-jwt', 'Basic dXNlcjpwYXNz', 'Bearer']) {
        const res = await call('GET', '/coach/me', { headers: { authorization: header } });
        expect(res.status, header).toBe(401);
        expect(envelope(res).code, header).toBe('INVALID_TOKEN');
      }
    });

    it("wrongly signed (a stranger's key under Auth's kid, HS256, another secret) → 401 INVALID_TOKEN", async () => {
      const user = await createUser();
      const claims = userClaims(user.id, user.email);
      for (
        const forged of [
          await signAccessToken(claims, { signingKey: await forgerKey() }),
          await signAccessToken(claims, { hs256Secret: 'a-different-secret-of-enough-length' }),
        ]
      ) {
        const res = await call('GET', '/coach/me', { token: forged });
        expect(res.status).toBe(401);
        expect(envelope(res).code).toBe('INVALID_TOKEN');
      }
    });

    it('expired → 401 TOKEN_EXPIRED', async () => {
      const user = await createUser();
      const expired = await signAccessToken(userClaims(user.id, user.email), { expiresInSeconds: -60 });
      const res = await call('GET', '/coach/me', { token: expired });
      expect(res.status).toBe(401);
      expect(envelope(res).code).toBe('TOKEN_EXPIRED');
    });

    it('"alg": "none" is refused', async () => {
      const user = await createUser();
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${
        b64({ ...userClaims(user.id, user.email), exp: 9999999999 })
      }.`;
      const res = await call('GET', '/coach/me', { token: unsigned });
      expect(res.status).toBe(401);
      expect(envelope(res).code).toBe('INVALID_TOKEN');
    });
  });

  it('every error carries the request id, and honours X-Request-Id', async () => {
    const res = await call('GET', '/no-such-thing', { headers: { 'x-request-id': 'trace-123_abc' } });
    expect(res.headers.get('x-request-id')).toBe('trace-123_abc');
    expect(res.body.request_id).toBe('trace-123_abc');
  });
});
