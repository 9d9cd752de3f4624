// Auth's rate limits: per client address and per identifier, answered with 429 as GoTrue does.
import { describe, expect, it } from 'vitest';
import { anonClient, freshIp } from '../helpers/auth.ts';

describe('Auth rate limits', () => {
  it('allows 30 sign-in attempts per address per 5 minutes, then over_request_rate_limit', async () => {
    const ip = freshIp();
    const client = anonClient({ ip });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const { error } = await client.auth.signInWithPassword({ email: `nobody-${i}-${ip}@example.com`, password: 'whatever1' });
      statuses.push(error?.status ?? 200);
    }
    expect(statuses.slice(0, 30).every((s) => s === 400)).toBe(true);
    expect(statuses[30]).toBe(429);
    const { error } = await client.auth.signInWithPassword({ email: 'x@example.com', password: 'whatever1' });
    expect(error).toMatchObject({ status: 429, code: 'over_request_rate_limit' });
    // Another address is unaffected.
    expect((await anonClient().auth.signInWithPassword({ email: 'x@example.com', password: 'whatever1' })).error?.status).toBe(400);
  });

  it('counts a client by the address the trusted proxy appended, whatever it writes in front of it', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      // Each attempt claims another first X-Forwarded-For entry; the proxy-appended address stays the same.
      const client = anonClient({ ip: `203.0.113.${i}, ${ip}` });
      const { error } = await client.auth.signInWithPassword({ email: `nobody-${i}-${ip}@example.com`, password: 'whatever1' });
      statuses.push(error?.status ?? 200);
    }
    expect(statuses.slice(0, 30).every((s) => s === 400)).toBe(true);
    expect(statuses[30]).toBe(429);
  });

  it('limits password attempts per account across addresses (5 per 5 minutes in the test stack)', async () => {
    const email = `target-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await anonClient().auth.signUp({ email, password: 'correct horse' });
    for (let i = 0; i < 5; i++) await anonClient().auth.signInWithPassword({ email, password: `guess-${i}-xx` });
    const { error } = await anonClient().auth.signInWithPassword({ email, password: 'correct horse' });
    expect(error).toMatchObject({ status: 429, code: 'over_request_rate_limit' });
  });

  it('limits sign-ups per address', async () => {
    const client = anonClient({ ip: freshIp() });
    let last = 200;
    for (let i = 0; i < 31; i++) {
      const { error } = await client.auth.signUp({ email: `bulk-${crypto.randomUUID().slice(0, 8)}@example.com`, password: 'x' });
      last = error?.status ?? 200;
    }
    expect(last).toBe(429);
  });
});
