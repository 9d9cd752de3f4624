// Auth's rate limits: per client address and per identifier, answered with 429 as GoTrue does. Every request of
// a sequence is checked: the ones under the limit must get their ordinary answer, only the rest 429.
import { describe, expect, it } from 'vitest';
import { anonClient, freshIp } from '../helpers/auth.ts';
import { authStatus, expectRateLimit, times } from '../helpers/rate-limit.ts';

const PASSWORD = 'correct horse';

describe('Auth rate limits', () => {
  it('allows 30 sign-in attempts per address per 5 minutes, then over_request_rate_limit', async () => {
    const ip = freshIp();
    const client = anonClient({ ip });
    const signIn = (email: string) => client.auth.signInWithPassword({ email, password: PASSWORD }).then(authStatus);
    // Unknown accounts: each attempt under the limit is an ordinary 400 invalid_credentials.
    const attempts = await expectRateLimit(times(30, 400), (i) => signIn(`nobody-${i}-${ip}@example.com`));
    expect(attempts[0].error?.code).toBe('invalid_credentials');
    expect(attempts[30].error).toMatchObject({ status: 429, code: 'over_request_rate_limit' });
    // Another address is unaffected.
    expect((await anonClient().auth.signInWithPassword({ email: 'x@example.com', password: PASSWORD })).error)
      .toMatchObject({ status: 400, code: 'invalid_credentials' });
  });

  it('counts a client by the address the trusted proxy appended, whatever it writes in front of it', async () => {
    const ip = freshIp();
    // Each attempt claims another first X-Forwarded-For entry; the proxy-appended address stays the same.
    await expectRateLimit(
      times(30, 400),
      (i) =>
        anonClient({ ip: `203.0.113.${i}, ${ip}` }).auth.signInWithPassword({
          email: `nobody-${i}-${ip}@example.com`,
          password: PASSWORD,
        }).then(authStatus),
    );
  });

  it('limits password attempts per account across addresses (5 per 5 min here), the right one included', async () => {
    const email = `target-${crypto.randomUUID().slice(0, 8)}@example.com`;
    expect((await anonClient().auth.signUp({ email, password: PASSWORD })).error).toBeNull();
    // A new address each time: the right password signs in, four wrong guesses are refused,
    // then even the right one is 429.
    const attempts = await expectRateLimit(
      [200, ...times(4, 400)],
      (i) =>
        anonClient().auth.signInWithPassword({ email, password: i === 0 || i === 5 ? PASSWORD : `guess-${i}-xx` }).then(
          authStatus,
        ),
    );
    expect(attempts[5].error).toMatchObject({ status: 429, code: 'over_request_rate_limit' });
  });

  it('limits sign-ups per address (30 per 5 minutes)', async () => {
    const client = anonClient({ ip: freshIp() });
    // Each sign-up under the limit creates its account.
    const signUps = await expectRateLimit(
      times(30, 200),
      () =>
        client.auth.signUp({ email: `bulk-${crypto.randomUUID().slice(0, 8)}@example.com`, password: PASSWORD }).then(
          authStatus,
        ),
    );
    expect(signUps[0].data.user?.email).toMatch(/^bulk-/);
    expect(signUps[30].error).toMatchObject({ status: 429, code: 'over_request_rate_limit' });
  });
});
