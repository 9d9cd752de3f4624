// POST /{app}/wallet/consume: a client spends from its own balance, once per Idempotency-Key, never below zero.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { createUser, type TestUser } from '../helpers/users.ts';

async function credit(userId: string, amount: number) {
  await adminSql()`
    select public.wallet_post('companion', ${userId}, 'coins', ${amount}, 'reward', 'test credit', ${randomUUID()})`;
}
const consume = (user: TestUser, body: Record<string, unknown>, key: string | null = randomUUID()) =>
  call('POST', '/companion/wallet/consume', {
    token: user.token,
    json: body,
    headers: key === null ? {} : { 'idempotency-key': key },
  });
const balanceOf = async (userId: string) => {
  const [{ b }] = await adminSql()`
    select coalesce((select balance from public.wallet_accounts
                      where user_id = ${userId} and app_id = 'companion' and currency = 'coins'), 0) as b`;
  return Number(b);
};

describe('wallet consume', () => {
  it('spends once per key and answers a retry with the same spending', async () => {
    const user = await createUser();
    await credit(user.id, 100);
    const key = randomUUID();
    const first = await consume(user, {
      currency: 'coins',
      amount: 30,
      reason: 'chat_message',
      ref_type: 'message',
      ref_id: 'm1',
    }, key);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      balance: 70,
      replayed: false,
      transaction: {
        amount: -30,
        balance_after: 70,
        kind: 'consume',
        reason: 'chat_message',
        ref_type: 'message',
        ref_id: 'm1',
        currency: 'coins',
      },
    });
    const again = await consume(user, {
      currency: 'coins',
      amount: 30,
      reason: 'chat_message',
      ref_type: 'message',
      ref_id: 'm1',
    }, key);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ balance: 70, replayed: true, transaction: { id: first.body.transaction.id } });
    expect(await balanceOf(user.id)).toBe(70);
    // The same key for a different spending is a conflict, not a second spending.
    const other = await consume(user, { currency: 'coins', amount: 5, reason: 'chat_message' }, key);
    expect(other.status).toBe(409);
    expect(envelope(other).code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await balanceOf(user.id)).toBe(70);
  });

  it('refuses to go below zero and writes nothing then', async () => {
    const user = await createUser();
    await credit(user.id, 10);
    const res = await consume(user, { currency: 'coins', amount: 11, reason: 'unlock' });
    expect(res.status).toBe(422);
    expect(envelope(res).code).toBe('INSUFFICIENT_BALANCE');
    expect(await balanceOf(user.id)).toBe(10);
    const [{ n }] = await adminSql()`
      select count(*)::int as n from public.wallet_entries where user_id = ${user.id} and kind = 'consume'`;
    expect(n).toBe(0);
  });

  it('rejects bad requests with the field at fault', async () => {
    const user = await createUser();
    await credit(user.id, 10);
    const cases: [Record<string, unknown>, string | null, number, string][] = [
      [{ currency: 'coins', amount: 1, reason: 'x' }, null, 400, 'VALIDATION_FAILED'], // no Idempotency-Key
      [{ currency: 'coins', amount: 0, reason: 'x' }, randomUUID(), 400, 'VALIDATION_FAILED'],
      [{ currency: 'coins', amount: -5, reason: 'x' }, randomUUID(), 400, 'VALIDATION_FAILED'],
      [{ currency: 'coins', amount: 1.5, reason: 'x' }, randomUUID(), 400, 'VALIDATION_FAILED'],
      [{ currency: 'coins', amount: 1, reason: '' }, randomUUID(), 400, 'VALIDATION_FAILED'],
      [{ currency: 'coins', amount: 1, reason: 'x', user_id: randomUUID() }, randomUUID(), 400, 'VALIDATION_FAILED'],
      [{ currency: 'gems', amount: 1, reason: 'x' }, randomUUID(), 404, 'NOT_FOUND'],
      [{ currency: "coins'; --", amount: 1, reason: 'x' }, randomUUID(), 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, key, status, code] of cases) {
      const res = await consume(user, body, key);
      expect([JSON.stringify(body), res.status, envelope(res).code]).toEqual([JSON.stringify(body), status, code]);
    }
    expect(await balanceOf(user.id)).toBe(10);
    // Text is stored as sent, quotes and all.
    const quoted = await consume(user, { currency: 'coins', amount: 1, reason: "it's \\ 'quoted' $$" });
    expect(quoted.body.transaction.reason).toBe("it's \\ 'quoted' $$");
  });

  it('under concurrency spends exactly the balance, and concurrent retries of one key spend once', async () => {
    const user = await createUser();
    await credit(user.id, 25);
    const results = await Promise.all(
      Array.from({ length: 40 }, () => consume(user, { currency: 'coins', amount: 1, reason: 'race' })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(25);
    expect(results.filter((r) => r.status === 422)).toHaveLength(15);
    expect(await balanceOf(user.id)).toBe(0);

    await credit(user.id, 5);
    const key = randomUUID();
    const retries = await Promise.all(
      Array.from({ length: 10 }, () => consume(user, { currency: 'coins', amount: 2, reason: 'retry' }, key)),
    );
    expect(retries.every((r) => r.status === 200)).toBe(true);
    expect(new Set(retries.map((r) => r.body.transaction.id)).size).toBe(1);
    expect(retries.filter((r) => !r.body.replayed)).toHaveLength(1);
    expect(await balanceOf(user.id)).toBe(3);
    expect(await adminSql()`select * from internal.ledger_violations()`).toEqual([]);
  });

  it("spends only from the caller's own balance", async () => {
    const [a, b] = [await createUser(), await createUser()];
    await credit(a.id, 10);
    await credit(b.id, 10);
    expect((await consume(a, { currency: 'coins', amount: 4, reason: 'x' })).status).toBe(200);
    expect([await balanceOf(a.id), await balanceOf(b.id)]).toEqual([6, 10]);
  });
});
