// Orders from the app, the weekly VIP grant.
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { sendAtOnce, userRowOf } from '../helpers/at-once.ts';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

describe('orders', () => {
  it('creates a pending order for a product of the app, idempotently per key', async () => {
    const user = await createUser();
    const products = await call('GET', '/pickitchen/products', { token: user.token });
    expect(products.body.items.map((p: { id: string }) => p.id)).toContain('pickitchen.points_500');
    const headers = { 'idempotency-key': 'buy-1' };
    const first = await call('POST', '/pickitchen/orders', {
      token: user.token,
      json: { product_id: 'pickitchen.points_500' },
      headers,
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ product_id: 'pickitchen.points_500', status: 'pending', quantity: 1 });
    const again = await call('POST', '/pickitchen/orders', {
      token: user.token,
      json: { product_id: 'pickitchen.points_500' },
      headers,
    });
    expect(again.body.id).toBe(first.body.id);
    const conflict = await call('POST', '/pickitchen/orders', {
      token: user.token,
      json: { product_id: 'pickitchen.points_2000' },
      headers,
    });
    expect(conflict.status).toBe(409);
    expect(envelope(conflict).code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await call('GET', `/pickitchen/orders/${first.body.id}`, { token: user.token })).body.status).toBe(
      'pending',
    );
  });

  // PicKitchen's own order/create and the common orders route both create through public.create_order.
  it.each(['/pickitchen/orders', '/pickitchen/order/create'])(
    'POST %s: eight requests sent at once with one Idempotency-Key make one order, and all eight answer it',
    async (path) => {
      const user = await createUser();
      const answers = await sendAtOnce(
        userRowOf(user.id),
        8,
        () =>
          call('POST', path, {
            token: user.token,
            json: { product_id: 'pickitchen.points_500' },
            headers: { 'idempotency-key': 'buy-1' },
          }),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
      expect(answers[0].body).toMatchObject({ product_id: 'pickitchen.points_500', status: 'pending' });
      expect(answers.map((a) => a.body)).toEqual(Array(8).fill(answers[0].body));
      expect(await adminSql()`select id from public.orders where user_id = ${user.id}`).toEqual([{
        id: answers[0].body.id,
      }]);
    },
  );

  it('one Idempotency-Key at once for two products: one order, the other is 409 IDEMPOTENCY_CONFLICT', async () => {
    const user = await createUser();
    const answers = await sendAtOnce(
      userRowOf(user.id),
      2,
      (i) =>
        call('POST', '/pickitchen/orders', {
          token: user.token,
          json: { product_id: i === 0 ? 'pickitchen.points_500' : 'pickitchen.points_2000' },
          headers: { 'idempotency-key': 'buy-1' },
        }),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(envelope(answers.find((a) => a.status === 409)!).code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await adminSql()`select id from public.orders where user_id = ${user.id}`).toEqual([{
      id: answers.find((a) => a.status === 201)!.body.id,
    }]);
  });

  it("refuses products of other apps and hides other users' orders", async () => {
    const user = await createUser();
    const res = await call('POST', '/pickitchen/orders', {
      token: user.token,
      json: { product_id: 'companion.coins_60' },
    });
    expect(res.status).toBe(404);
    const mine = await call('POST', '/companion/orders', {
      token: user.token,
      json: { product_id: 'companion.coins_60' },
    });
    const other = await createUser();
    expect((await call('GET', `/companion/orders/${mine.body.id}`, { token: other.token })).status).toBe(404);
    expect((await call('GET', '/companion/orders', { token: other.token })).body.items).toEqual([]);
  });
});

describe('weekly VIP points', () => {
  const pool = postgres(stackEnv().dbUrl, { max: 2, onnotice: () => {} });
  afterAll(() => pool.end());

  async function weeklySubscriber(status: string, endsInDays: number) {
    const user = await createUser();
    await adminSql().begin(async (sql) => {
      await sql`select set_config('role', 'service_role', true)`;
      await sql`
        select public.commerce_apply_subscription(${user.id}, 'pickitchen.vip_weekly', 'app_store', 'revenuecat',
                  ${`grant-${user.id}`}, now(), ${status}, true, now() - interval '1 day',
                  now() + ${`${endsInDays} days`}::interval, false)`;
    });
    return user;
  }
  /** Runs a week to the end, one batch per transaction, as the scheduled command does. */
  async function run(week: string, batch = 500) {
    const started = new Date();
    for (;;) {
      const [{ n }] = await pool`select internal.grant_weekly_vip_points_batch(${week}, ${batch}, ${started}) as n`;
      if (n === 0) return;
    }
  }
  const granted = async (userId: string, week: string) => {
    const [{ n }] = await adminSql()`
      select coalesce(sum(amount), 0)::int as n from public.wallet_entries
       where user_id = ${userId} and period = ${week}`;
    return n;
  };

  it('grants 2000 points once per ISO week, however often it runs, and nothing after expiry', async () => {
    const active = await weeklySubscriber('active', 5);
    const cancelled = await weeklySubscriber('cancelled', 2);
    const expired = await weeklySubscriber('expired', -1);
    const week = '2031-W07';
    await run(week);
    await run(week);
    await Promise.all([run(week, 1), run(week, 1)]);
    expect(await granted(active.id, week)).toBe(2000);
    expect(await granted(cancelled.id, week)).toBe(2000);
    expect(await granted(expired.id, week)).toBe(0);
    // The next week is a new grant.
    await run('2031-W08');
    expect(await granted(active.id, '2031-W08')).toBe(2000);
  });

  it('is scheduled hourly on Mondays (UTC), and the scheduled command grants the current week once', async () => {
    const [job] =
      await adminSql()`select schedule, command from cron.job where jobname = 'pickitchen-weekly-vip-points'`;
    expect(job.schedule).toBe('0 * * * 1');
    const subscriber = await weeklySubscriber('active', 3);
    const [{ week }] = await adminSql()`select to_char(now() at time zone 'UTC', 'IYYY-"W"IW') as week`;
    // Exactly what pg_cron runs (simple query protocol, so the block may commit between batches), twice.
    await pool.unsafe(job.command);
    await pool.unsafe(job.command);
    expect(await granted(subscriber.id, week)).toBe(2000);
  });
});
