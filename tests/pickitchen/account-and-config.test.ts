// PicKitchen's account endpoints (profile, points, subscription, orders) and the remote config with ETags.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { createUser } from '../helpers/users.ts';
import { deliver, rcEvent } from '../helpers/revenuecat.ts';

describe('PicKitchen config', () => {
  it('serves the whole config with an ETag, 304 while unchanged, and shows an edit on the next request', async () => {
    const user = await createUser();
    const first = await call('GET', '/pickitchen/config', { token: user.token });
    expect(first.status).toBe(200);
    expect(first.body.styles[0].templates[0]).toMatchObject({ driven_id: 'mengwa_kaixin', points: 10 });
    expect(first.body.points_rules).toMatchObject({ emoji: 10 });
    expect(first.body.banners.length).toBeGreaterThan(0);
    expect(first.body.weekly_reward).toMatchObject({ enabled: true, amount: 2000, currency: 'points' });
    // Deno 2.1's server compresses a body for a client that accepts gzip and then marks its tag weak (W/), as it must;
    // a 304 has no body and keeps the tag as sent. The tag is the same either way, compared weakly as clients do.
    const tag = (header: string | null) => header?.replace(/^W\//, '');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^(W\/)?"[0-9a-f]{32}"$/);

    const same = await call('GET', '/pickitchen/config', { token: user.token, headers: { 'if-none-match': etag } });
    expect(same.status).toBe(304);
    expect(tag(same.headers.get('etag'))).toBe(tag(etag));

    const key = `test_${crypto.randomUUID().slice(0, 8)}`;
    await adminSql()`insert into public.app_config (app_id, key, value) values ('pickitchen', ${key}, '{"on": true}')`;
    try {
      const changed = await call('GET', '/pickitchen/config', {
        token: user.token,
        headers: { 'if-none-match': etag },
      });
      expect(changed.status).toBe(200);
      expect(changed.body[key]).toEqual({ on: true });
      expect(tag(changed.headers.get('etag'))).not.toBe(tag(etag));
    } finally {
      await adminSql()`delete from public.app_config where app_id = 'pickitchen' and key = ${key}`;
    }
    expect((await call('GET', '/quit/config', { token: user.token })).body).toEqual({});
  });
});

describe('PicKitchen account', () => {
  it('profile shows nickname, VIP and points; PUT changes the nickname', async () => {
    const user = await createUser();
    const empty = await call('GET', '/pickitchen/profile', { token: user.token });
    expect(empty.body).toMatchObject({
      id: user.id,
      nickname: null,
      is_vip: false,
      vip_type: null,
      vip_expire_time: null,
      points: 0,
    });
    const put = await call('PUT', '/pickitchen/profile', { token: user.token, json: { nickname: '  小厨  ' } });
    expect(put.body).toMatchObject({ nickname: '小厨' });
    for (const json of [{ nickname: '' }, { nickname: 'x'.repeat(65) }, { nickname: 'ok', is_vip: true }]) {
      const bad = await call('PUT', '/pickitchen/profile', { token: user.token, json });
      expect(bad.status, JSON.stringify(json)).toBe(400);
    }

    await deliver(rcEvent('INITIAL_PURCHASE', user.id, { original_transaction_id: `otx-${crypto.randomUUID()}` }));
    const vip = await call('GET', '/pickitchen/profile', { token: user.token });
    expect(vip.body).toMatchObject({ is_vip: true, vip_type: 'weekly', points: 2000 });
    expect(Date.parse(vip.body.vip_expire_time)).toBeGreaterThan(Date.now());
    expect((await call('GET', '/pickitchen/points/balance', { token: user.token })).body).toEqual({ balance: 2000 });
    const history = await call('GET', '/pickitchen/points/transactions?limit=10', { token: user.token });
    expect(history.body.items).toMatchObject([{ amount: 2000, kind: 'reward', currency: 'points' }]);
    expect((await call('GET', '/pickitchen/subscription/status', { token: user.token })).body).toMatchObject({
      is_vip: true,
      plan: 'weekly',
    });
  });

  it("creates, reads and lists point-pack orders, and refuses subscriptions and other people's orders", async () => {
    const user = await createUser();
    const other = await createUser();
    const created = await call('POST', '/pickitchen/order/create', {
      token: user.token,
      json: { product_id: 'pickitchen.points_500' },
      headers: { 'idempotency-key': 'k1' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ product_id: 'pickitchen.points_500', status: 'pending', quantity: 1 });
    const again = await call('POST', '/pickitchen/order/create', {
      token: user.token,
      json: { product_id: 'pickitchen.points_500' },
      headers: { 'idempotency-key': 'k1' },
    });
    expect(again.body.id).toBe(created.body.id);
    expect((await call('GET', `/pickitchen/order/${created.body.id}`, { token: user.token })).body.id).toBe(
      created.body.id,
    );
    const list = await call('GET', '/pickitchen/order/list', { token: user.token });
    expect(list.body.items.map((o: { id: string }) => o.id)).toEqual([created.body.id]);
    expect((await call('GET', `/pickitchen/order/${created.body.id}`, { token: other.token })).status).toBe(404);
    const sub = await call('POST', '/pickitchen/order/create', {
      token: user.token,
      json: { product_id: 'pickitchen.vip_weekly' },
    });
    expect(sub.status).toBe(400);
    expect(envelope(sub).details[0]).toMatchObject({ field: 'product_id' });
    expect(
      (await call('POST', '/pickitchen/order/create', { token: user.token, json: { product_id: 'coach.nothing' } }))
        .status,
    ).toBe(404);
  });
});
