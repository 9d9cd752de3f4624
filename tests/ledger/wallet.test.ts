// The ledger under load and through the API.
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import type { OpenApiDocument } from '../helpers/openapi-document.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

/** A pool of its own, so the posts really run concurrently on many connections, as service_role. */
const pool = postgres(stackEnv().dbUrl, { max: 20, onnotice: () => {} });
afterAll(() => pool.end());

function servicePost(
  userId: string,
  amount: number,
  kind: string,
  key: string,
  app = 'pickitchen',
  currency = 'points',
) {
  return pool.begin(async (tx) => {
    await tx`select set_config('role', 'service_role', true)`;
    const [row] =
      await tx`select * from public.wallet_post(${app}, ${userId}, ${currency}, ${amount}, ${kind}, 'test', ${key})`;
    return row;
  });
}

describe('wallet_post under concurrency', () => {
  it('200 concurrent spends of 10 from 1000: exactly 100 succeed, the rest are refused, nothing is lost', async () => {
    const user = await createUser();
    await servicePost(user.id, 1000, 'purchase', 'seed-1000');
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => servicePost(user.id, -10, 'consume', `spend-${i}`)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(100);
    expect(refused).toHaveLength(100);
    expect(refused.every((r) => (r as PromiseRejectedResult).reason.message === 'INSUFFICIENT_BALANCE')).toBe(true);
    const [acct] = await adminSql()`
      select a.balance::int,
             (select sum(amount)::int from public.wallet_entries e where e.account_id = a.id) as total,
             (select count(*)::int from public.wallet_entries e where e.account_id = a.id) as entries
        from public.wallet_accounts a where a.user_id = ${user.id}`;
    expect(acct).toEqual({ balance: 0, total: 0, entries: 101 });
  });

  it('the same idempotency key posted 50 times at once applies once', async () => {
    const user = await createUser();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => servicePost(user.id, 500, 'purchase', 'order-42')),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const ids = new Set(results.map((r) => (r as PromiseFulfilledResult<{ id: string }>).value.id));
    expect(ids.size).toBe(1);
    const [acct] = await adminSql()`select balance::int from public.wallet_accounts where user_id = ${user.id}`;
    expect(acct.balance).toBe(500);
  });
});

describe('wallet API', () => {
  it("shows the app's balances (zero before anything happened) and pages the history", async () => {
    const user = await createUser();
    expect((await call('GET', '/companion/wallet', { token: user.token })).body).toEqual({
      balances: [{ currency: 'coins', name: 'Heart coins', name_zh: '心动币', balance: 0, updated_at: null }],
    });
    for (let i = 1; i <= 5; i++) await servicePost(user.id, i * 10, 'reward', `r-${i}`, 'companion', 'coins');
    const wallet = await call('GET', '/companion/wallet', { token: user.token });
    expect(wallet.body.balances[0].balance).toBe(150);
    expect((await call('GET', '/coach/wallet', { token: user.token })).body.balances).toEqual([]);

    const first = await call('GET', '/companion/wallet/transactions?limit=2', { token: user.token });
    expect(first.body.items.map((t: { amount: number }) => t.amount)).toEqual([50, 40]);
    expect(first.body.items[0]).toMatchObject({ kind: 'reward', balance_after: 150, currency: 'coins' });
    const second = await call('GET', `/companion/wallet/transactions?limit=2&cursor=${first.body.next_cursor}`, {
      token: user.token,
    });
    expect(second.body.items.map((t: { amount: number }) => t.amount)).toEqual([30, 20]);
    const third = await call('GET', `/companion/wallet/transactions?limit=2&cursor=${second.body.next_cursor}`, {
      token: user.token,
    });
    expect(third.body).toMatchObject({ items: [{ amount: 10 }], next_cursor: null });
  });

  it("shows no one else's history and rejects forged cursors", async () => {
    const owner = await createUser();
    const other = await createUser();
    await servicePost(owner.id, 100, 'reward', 'x');
    expect((await call('GET', '/pickitchen/wallet/transactions', { token: other.token })).body.items).toEqual([]);
    const bad = await call('GET', '/pickitchen/wallet/transactions?cursor=not-a-cursor', { token: owner.token });
    expect(bad.status).toBe(400);
    expect(envelope(bad).details[0].field).toBe('cursor');
  });

  it('has no route that credits the caller: the wallet writes spend a positive amount', async () => {
    const spec = (await call<OpenApiDocument>('GET', '/openapi.json')).body;
    const walletWrites = Object.entries(spec.paths ?? {}).filter(([path, ops]) =>
      /wallet|points/.test(path) && Object.keys(ops).some((m) => m !== 'get')
    );
    // The platform's consume, and the Growth Diary's name for it (points/deduct); no points/add.
    expect(walletWrites.map(([path]) => path)).toEqual(['/api/v1/{app}/wallet/consume', '/api/v1/diary/points/deduct']);
    for (const name of ['WalletConsume', 'DiaryPointsDeduct']) {
      const body = spec.components?.schemas?.[name];
      expect(body?.properties?.amount, name).toMatchObject({ type: 'integer', minimum: 1 });
      expect(body?.additionalProperties, name).toBe(false);
    }
  });
});
