import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inProcessApi } from '../helpers/in-process.ts';
import { adminSql } from '../helpers/db.ts';
import { createUser } from '../helpers/users.ts';
import { expectRateLimit, times } from '../helpers/rate-limit.ts';

describe('rate limiting', () => {
  const api = inProcessApi({ RATE_LIMIT_READ_USER: '3/60', RATE_LIMIT_READ_IP: '5/60', RATE_LIMIT_WRITE_USER: '1/60' });

  it("answers 429 with Retry-After once a user's bucket is empty", async () => {
    const user = await createUser();
    const headers = {
      authorization: `Bearer ${user.token}`,
      'x-forwarded-for': `10.0.${Math.floor(Math.random() * 250)}.1`,
    };
    const last = (await expectRateLimit(times(3, 200), () => api.request('/coach/me', { headers }))).at(-1)!;
    expect(Number(last.headers.get('retry-after'))).toBe(20);
    const body = await last.json();
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.details[0].retry_after).toBe(20);
  });

  it('limits an address across users, and families separately', async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250)}`;
    await expectRateLimit(
      times(5, 200),
      async () =>
        api.request('/coach/me', {
          headers: { authorization: `Bearer ${(await createUser()).token}`, 'x-forwarded-for': ip },
        }),
    );

    // Writes have their own buckets: the exhausted read bucket does not block them.
    const writer = await createUser();
    const write = await api.request('/coach/devices', {
      method: 'POST',
      headers: { authorization: `Bearer ${writer.token}`, 'x-forwarded-for': ip, 'content-type': 'application/json' },
      body: JSON.stringify({ installation_id: randomUUID(), platform: 'web' }),
    });
    expect(write.status).toBe(201);
  });

  const post = (token: string, path: string, body: unknown, method = 'POST') =>
    api.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const devicesOf = async (userId: string) =>
    (await adminSql()`select installation_id from public.devices where user_id = ${userId}`).map((r) =>
      r.installation_id
    );

  it('applies nothing of a refused write', async () => {
    const user = await createUser();
    const [first, second] = [randomUUID(), randomUUID()];
    expect((await post(user.token, '/coach/devices', { installation_id: first, platform: 'web' })).status).toBe(201);
    const refused = await post(user.token, '/coach/devices', { installation_id: second, platform: 'web' });
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe('RATE_LIMITED');
    expect(await devicesOf(user.id)).toEqual([first]);
  });

  it('spends a token on a request that fails, before or inside its transaction', async () => {
    // Invalid input: refused by validation before any transaction.
    const invalid = await createUser();
    expect((await post(invalid.token, '/coach/devices', { installation_id: randomUUID(), platform: 'beos' })).status)
      .toBe(400);
    expect((await post(invalid.token, '/coach/devices', { installation_id: randomUUID(), platform: 'web' })).status)
      .toBe(429);
    expect(await devicesOf(invalid.id)).toEqual([]);
    // A transaction that fails (no such record) still spent its token: it was taken before the handler ran.
    const missing = await createUser();
    expect((await post(missing.token, `/coach/records/workout/${randomUUID()}`, { duration_minutes: 5 }, 'PUT')).status)
      .toBe(404);
    expect((await post(missing.token, '/coach/devices', { installation_id: randomUUID(), platform: 'web' })).status)
      .toBe(429);
  });

  it('takes the client address from the right of X-Forwarded-For (left entries are client-chosen)', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    // A client rotating a spoofed left-hand entry still shares the gateway-appended address.
    await expectRateLimit(
      times(5, 200),
      async (i) =>
        api.request('/coach/me', {
          headers: { authorization: `Bearer ${(await createUser()).token}`, 'x-forwarded-for': `1.1.1.${i}, ${ip}` },
        }),
    );
  });
});

describe('sign-in rate limit', () => {
  const api = inProcessApi({ RATE_LIMIT_AUTH_IP: '2/300' });

  it('limits device sign-ins per address', async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    // Invalid bodies still count: the limit applies before any work is done.
    await expectRateLimit(times(2, 400), () =>
      api.request('/pickitchen/auth/device', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ device_id: 'x', platform: 'ios' }),
      }));
  });
});
