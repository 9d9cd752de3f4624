// RevenueCat webhooks end to end: replays, late and out-of-order events, refunds through the ledger,
// transfers, and deliveries that must change nothing.
import { describe, expect, it } from 'vitest';
import { adminSql, rejectedWebhooks } from '../helpers/db.ts';
import { call } from '../helpers/http.ts';
import { pointsOf } from '../helpers/pickitchen.ts';
import { createUser } from '../helpers/users.ts';
import { DAY, deliver, rcEvent } from '../helpers/revenuecat.ts';

const subscription = async (userId: string) =>
  (await adminSql()`select status, will_renew, current_period_end from public.subscriptions where user_id = ${userId}`)[
    0
  ];

describe('RevenueCat webhook', () => {
  it("INITIAL_PURCHASE makes a weekly VIP and grants this week's 2000 points", async () => {
    const user = await createUser();
    const otx = `otx-${crypto.randomUUID()}`;
    const res = await deliver(rcEvent('INITIAL_PURCHASE', user.id, { original_transaction_id: otx }));
    expect(res).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await subscription(user.id)).toMatchObject({ status: 'active', will_renew: true });
    expect(await pointsOf(user.id)).toBe(2000);
    const state = await call('GET', '/pickitchen/subscription', { token: user.token });
    expect(state.body).toMatchObject({ is_vip: true, plan: 'weekly', will_renew: true });
  });

  it('replaying an event 10 times has the effect of one', async () => {
    const user = await createUser();
    const body = rcEvent('NON_RENEWING_PURCHASE', user.id, {
      product_id: 'com.houtai.pickitchen.points.500',
      transaction_id: `pack-${crypto.randomUUID()}`,
    });
    const results = await Promise.all(Array.from({ length: 10 }, () => deliver(body)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.status === 'processed')).toHaveLength(1);
    expect(results.filter((r) => r.body.status === 'duplicate')).toHaveLength(9);
    expect(await pointsOf(user.id)).toBe(500);
    const [{ n }] =
      await adminSql()`select count(*)::int as n from internal.webhook_events where event_id = ${body.event.id}`;
    expect(n).toBe(1);
    const orders = await call('GET', '/pickitchen/orders', { token: user.token });
    expect(orders.body.items).toMatchObject([{
      product_id: 'pickitchen.points_500',
      status: 'paid',
      granted_amount: 500,
      store: 'app_store',
    }]);
  });

  it('a late EXPIRATION from before a RENEWAL does not downgrade the paying user', async () => {
    const user = await createUser();
    const otx = `otx-${crypto.randomUUID()}`;
    const t0 = Date.now() - 14 * DAY;
    await deliver(
      rcEvent('INITIAL_PURCHASE', user.id, {
        original_transaction_id: otx,
        event_timestamp_ms: t0,
        purchased_at_ms: t0,
        expiration_at_ms: t0 + 7 * DAY,
      }),
    );
    const renewal = rcEvent('RENEWAL', user.id, {
      original_transaction_id: otx,
      event_timestamp_ms: t0 + 7 * DAY + 1000,
      purchased_at_ms: t0 + 7 * DAY,
      expiration_at_ms: t0 + 21 * DAY,
    });
    const expiration = rcEvent('EXPIRATION', user.id, {
      original_transaction_id: otx,
      event_timestamp_ms: t0 + 7 * DAY - 1000,
      expiration_at_ms: t0 + 7 * DAY,
    });
    expect((await deliver(renewal)).body.status).toBe('processed');
    expect((await deliver(expiration)).body.status).toBe('stale');
    expect(await subscription(user.id)).toMatchObject({ status: 'active', will_renew: true });
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body.is_vip).toBe(true);
  });

  it('CANCELLATION keeps VIP until the period ends, EXPIRATION ends it, UNCANCELLATION restores renewal', async () => {
    const user = await createUser();
    const otx = `otx-${crypto.randomUUID()}`;
    const t = Date.now();
    await deliver(rcEvent('INITIAL_PURCHASE', user.id, { original_transaction_id: otx, event_timestamp_ms: t - 3000 }));
    await deliver(
      rcEvent('CANCELLATION', user.id, {
        original_transaction_id: otx,
        event_timestamp_ms: t - 2000,
        cancel_reason: 'UNSUBSCRIBE',
      }),
    );
    expect(await subscription(user.id)).toMatchObject({ status: 'cancelled', will_renew: false });
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body).toMatchObject({
      is_vip: true,
      will_renew: false,
    });
    await deliver(rcEvent('UNCANCELLATION', user.id, { original_transaction_id: otx, event_timestamp_ms: t - 1000 }));
    expect(await subscription(user.id)).toMatchObject({ status: 'active', will_renew: true });
    await deliver(
      rcEvent('EXPIRATION', user.id, { original_transaction_id: otx, event_timestamp_ms: t, expiration_at_ms: t }),
    );
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body).toMatchObject({
      is_vip: false,
      plan: null,
    });
  });

  it('a refunded pack takes its points back through the ledger, even when already spent', async () => {
    const user = await createUser();
    const tx = `pack-${crypto.randomUUID()}`;
    await deliver(
      rcEvent('NON_RENEWING_PURCHASE', user.id, {
        product_id: 'com.houtai.pickitchen.points.2000',
        transaction_id: tx,
      }),
    );
    await adminSql().begin(async (sql) => {
      await sql`select set_config('role', 'service_role', true)`;
      await sql`
        select public.wallet_post('pickitchen', ${user.id}, 'points', -1500, 'consume', 'emoji video', 'spend-1')`;
    });
    const refund = rcEvent('CANCELLATION', user.id, {
      product_id: 'com.houtai.pickitchen.points.2000',
      transaction_id: tx,
      cancel_reason: 'CUSTOMER_SUPPORT',
    });
    expect((await deliver(refund)).body.status).toBe('processed');
    expect((await deliver({ ...refund, event: { ...refund.event, id: crypto.randomUUID() } })).body.status).toBe(
      'processed',
    );
    expect(await pointsOf(user.id)).toBe(-1500);
    const entries = await adminSql()`
      select kind, amount::int, reason from public.wallet_entries where user_id = ${user.id} order by id`;
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([['purchase', 2000], ['consume', -1500], ['refund', -2000]]);
    expect(entries[2].reason).toContain('already spent');
    const [order] = await adminSql()`select status from public.orders where store_transaction_id = ${tx}`;
    expect(order.status).toBe('refunded');
  });

  it('a lifetime purchase never expires', async () => {
    const user = await createUser();
    await deliver(
      rcEvent('NON_RENEWING_PURCHASE', user.id, {
        product_id: 'com.houtai.pickitchen.vip.lifetime',
        original_transaction_id: `life-${crypto.randomUUID()}`,
        expiration_at_ms: null,
      }),
    );
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body).toMatchObject({
      is_vip: true,
      plan: 'lifetime',
      expires_at: null,
    });
  });

  it('TRANSFER moves the subscription to the new app user', async () => {
    const from = await createUser();
    const to = await createUser();
    const otx = `otx-${crypto.randomUUID()}`;
    await deliver(
      rcEvent('INITIAL_PURCHASE', from.id, { original_transaction_id: otx, event_timestamp_ms: Date.now() - 1000 }),
    );
    const transfer = rcEvent('TRANSFER', to.id, {
      transferred_from: [from.id],
      transferred_to: [to.id],
      product_id: null,
      store: null,
    });
    expect((await deliver(transfer)).body.status).toBe('processed');
    expect((await call('GET', '/pickitchen/subscription', { token: from.token })).body.is_vip).toBe(false);
    expect((await call('GET', '/pickitchen/subscription', { token: to.token })).body.is_vip).toBe(true);
  });

  it('refuses a wrong or missing Authorization before writing anything, keeping none of its headers', async () => {
    const user = await createUser();
    const body = rcEvent('NON_RENEWING_PURCHASE', user.id, {
      product_id: 'com.houtai.pickitchen.points.500',
      transaction_id: `forged-${crypto.randomUUID()}`,
    });
    const marker = `forger-${crypto.randomUUID()}`;
    const rejected = () => rejectedWebhooks('revenuecat');
    const before = await rejected();
    const forwarded = { 'x-forwarded-for': `${marker}, ${'10.0.0.1, '.repeat(500)}198.51.100.7` };
    expect((await deliver(body, 'Bearer guess', forwarded)).status).toBe(401);
    expect((await deliver(body, '', forwarded)).status).toBe(401);
    expect(await pointsOf(user.id)).toBe(0);
    expect(await rejected()).toBe(before);
    const [{ n }] = await adminSql()`
      select count(*)::int as n from internal.webhook_events where event_id = ${body.event.id}
      or payload::text like ${`%${marker}%`}`;
    expect(n).toBe(0);
    // The genuine delivery of the same event is still processed.
    expect((await deliver(body)).body.status).toBe('processed');
  });

  it('answers numbers out of range with 400 VALIDATION_FAILED, never 500, and applies nothing', async () => {
    const user = await createUser();
    const cases: Array<[string, Record<string, unknown>]> = [
      ['event.purchased_at_ms', { purchased_at_ms: 1e20 }],
      ['event.price', { price: 1e15 }],
      ['event.price', { price: -1e15 }],
      ['event.expiration_at_ms', { expiration_at_ms: -1 }],
      ['event.event_timestamp_ms', { event_timestamp_ms: Date.now() + 0.5 }],
      ['event.purchased_at_ms', { purchased_at_ms: 1.5 }],
    ];
    for (const [field, values] of cases) {
      const body = rcEvent('NON_RENEWING_PURCHASE', user.id, {
        product_id: 'com.houtai.pickitchen.points.500',
        transaction_id: `range-${crypto.randomUUID()}`,
        ...values,
      });
      const res = await deliver(body);
      expect(res.status, JSON.stringify(values)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
      const [{ n }] =
        await adminSql()`select count(*)::int as n from internal.webhook_events where event_id = ${body.event.id}`;
      expect(n).toBe(0);
    }
    expect(await pointsOf(user.id)).toBe(0);
    // A refund's price is negative, as RevenueCat sends it: still in range.
    const tx = `pack-${crypto.randomUUID()}`;
    await deliver(
      rcEvent('NON_RENEWING_PURCHASE', user.id, { product_id: 'com.houtai.pickitchen.points.500', transaction_id: tx }),
    );
    const refund = await deliver(
      rcEvent('CANCELLATION', user.id, {
        product_id: 'com.houtai.pickitchen.points.500',
        transaction_id: tx,
        cancel_reason: 'CUSTOMER_SUPPORT',
        price: -4.99,
      }),
    );
    expect(refund).toEqual({ status: 200, body: { status: 'processed' } });
  });

  it('answers an unknown app user 422 (RevenueCat retries) and processes the retry once the user exists', async () => {
    const stranger = crypto.randomUUID();
    const body = rcEvent('NON_RENEWING_PURCHASE', stranger, {
      product_id: 'com.houtai.pickitchen.points.500',
      transaction_id: `u-${crypto.randomUUID()}`,
      aliases: [],
      original_app_user_id: null,
    });
    const stored = async () =>
      (await adminSql()`select status from internal.webhook_events where event_id = ${body.event.id}`).map((r) =>
        r.status
      );
    const res = await deliver(body);
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].code).toBe('unknown_app_user');
    expect(await stored()).toEqual([]);
    // The user signs up with the id the app gave RevenueCat; RevenueCat's retry is the same delivery.
    const user = await createUser({}, stranger);
    expect(await deliver(body)).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await pointsOf(user.id)).toBe(500);
    expect(await stored()).toEqual(['processed']);
    expect(await deliver(body)).toEqual({ status: 200, body: { status: 'duplicate' } });
    expect(await pointsOf(user.id)).toBe(500);
  });
});
