// App Store Server Notifications V2 and StoreKit 2 verification, signed by a test CA the stack trusts, with Apple's
// online checks on as deployed: the CA's certificates name a fake OCSP responder, which scripts/test.ts runs.
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestAppleCa, importTestAppleCa, type TestAppleCa } from '../fakes/apple.ts';
import { adminSql, rejectedWebhooks } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { pointsOf } from '../helpers/pickitchen.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import { Buffer } from 'node:buffer';

const DAY = 86_400_000;
const BUNDLE = 'com.houtai.pickitchen';
let ca: TestAppleCa;
beforeAll(async () => {
  ca = await importTestAppleCa(stackEnv().appleCa);
});

function transaction(userId: string | undefined, f: Record<string, unknown>) {
  const now = Date.now();
  return {
    transactionId: `t-${crypto.randomUUID()}`,
    originalTransactionId: `o-${crypto.randomUUID()}`,
    bundleId: BUNDLE,
    productId: 'com.houtai.pickitchen.vip.weekly',
    purchaseDate: now,
    originalPurchaseDate: now,
    expiresDate: now + 7 * DAY,
    quantity: 1,
    type: 'Auto-Renewable Subscription',
    inAppOwnershipType: 'PURCHASED',
    signedDate: now,
    environment: 'Sandbox',
    transactionReason: 'PURCHASE',
    storefront: 'USA',
    storefrontId: '143441',
    price: 4990,
    currency: 'USD',
    ...(userId ? { appAccountToken: userId } : {}),
    ...f,
  };
}

async function notification(
  type: string,
  subtype: string | undefined,
  tx: Record<string, unknown>,
  signedDate = Date.now(),
  signer = ca,
) {
  const renewal = {
    originalTransactionId: tx.originalTransactionId,
    productId: tx.productId,
    autoRenewProductId: tx.productId,
    autoRenewStatus: 1,
    signedDate,
    environment: 'Sandbox',
  };
  return {
    signedPayload: await signer.sign({
      notificationType: type,
      ...(subtype ? { subtype } : {}),
      notificationUUID: crypto.randomUUID(),
      version: '2.0',
      signedDate,
      data: {
        bundleId: BUNDLE,
        environment: 'Sandbox',
        bundleVersion: '1',
        signedTransactionInfo: await signer.sign(tx),
        signedRenewalInfo: await signer.sign(renewal),
      },
    }),
  };
}

async function deliver(body: unknown) {
  const res = await fetch(`${stackEnv().apiUrl}/functions/v1/hooks/apple`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe('App Store Server Notifications', () => {
  it('SUBSCRIBED makes a VIP once, however often it is delivered', async () => {
    const user = await createUser();
    const body = await notification('SUBSCRIBED', 'INITIAL_BUY', transaction(user.id, {}));
    const results = await Promise.all(Array.from({ length: 10 }, () => deliver(body)));
    expect(results.map((r) => r.body.status).sort()).toEqual([...Array(9).fill('duplicate'), 'processed'].sort());
    expect(await pointsOf(user.id)).toBe(2000);
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body).toMatchObject({
      is_vip: true,
      plan: 'weekly',
    });
  });

  it('a late EXPIRED signed before a DID_RENEW does not end the subscription', async () => {
    const user = await createUser();
    const t0 = Date.now() - 10 * DAY;
    const base = transaction(user.id, { purchaseDate: t0, expiresDate: t0 + 7 * DAY });
    await deliver(await notification('SUBSCRIBED', 'INITIAL_BUY', base, t0));
    const renewed = {
      ...base,
      transactionId: `t-${crypto.randomUUID()}`,
      purchaseDate: t0 + 7 * DAY,
      expiresDate: t0 + 14 * DAY,
    };
    expect((await deliver(await notification('DID_RENEW', undefined, renewed, t0 + 7 * DAY))).body.status).toBe(
      'processed',
    );
    expect((await deliver(await notification('EXPIRED', 'VOLUNTARY', base, t0 + 7 * DAY - 5000))).body.status).toBe(
      'stale',
    );
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body).toMatchObject({
      is_vip: true,
      will_renew: true,
    });
  });

  it('turning auto-renew off keeps VIP to the end of the period', async () => {
    const user = await createUser();
    const t = transaction(user.id, {});
    await deliver(await notification('SUBSCRIBED', 'INITIAL_BUY', t, Date.now() - 1000));
    await deliver(await notification('DID_CHANGE_RENEWAL_STATUS', 'AUTO_RENEW_DISABLED', t));
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body).toMatchObject({
      is_vip: true,
      will_renew: false,
      subscriptions: [{ status: 'cancelled' }],
    });
  });

  it('a refunded point pack is taken back through the ledger', async () => {
    const user = await createUser();
    const pack = transaction(user.id, {
      productId: 'com.houtai.pickitchen.points.500',
      type: 'Consumable',
      expiresDate: undefined,
    });
    await deliver(await notification('ONE_TIME_CHARGE', undefined, pack, Date.now() - 1000));
    expect(await pointsOf(user.id)).toBe(500);
    await deliver(
      await notification('REFUND', undefined, { ...pack, revocationDate: Date.now(), revocationReason: 0 }),
    );
    expect(await pointsOf(user.id)).toBe(0);
    const [order] =
      await adminSql()`select status from public.orders where store_transaction_id = ${pack.transactionId}`;
    expect(order.status).toBe('refunded');
  });

  it('refuses notifications not signed by the trusted root before writing anything', async () => {
    const user = await createUser();
    const rejected = () => rejectedWebhooks('apple');
    const before = await rejected();
    const impostor = await createTestAppleCa('Impostor');
    const forged = await notification('SUBSCRIBED', 'INITIAL_BUY', transaction(user.id, {}), Date.now(), impostor);
    const res = await deliver(forged);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_SIGNATURE');
    expect((await deliver({ signedPayload: 'e30.e30.AAAA' })).status).toBe(401);
    expect((await deliver({ signedPayload: 'not a jws' })).status).toBe(401);
    expect(await pointsOf(user.id)).toBe(0);
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body.is_vip).toBe(false);
    expect(await rejected()).toBe(before);
  });

  it("refuses a notification signed through a trusted chain whose leaf Apple's responder reports revoked", async () => {
    const user = await createUser();
    const revoked = await importTestAppleCa(stackEnv().appleCaRevoked);
    const res = await deliver(
      await notification('SUBSCRIBED', 'INITIAL_BUY', transaction(user.id, {}), Date.now(), revoked),
    );
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_SIGNATURE');
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body.is_vip).toBe(false);
  });

  it('answers signed values out of range with 400 VALIDATION_FAILED, never 500, and applies nothing', async () => {
    const user = await createUser();
    const pack = { productId: 'com.houtai.pickitchen.points.500', type: 'Consumable', expiresDate: undefined };
    const cases: Array<[string, Record<string, unknown>]> = [
      ['purchaseDate', { purchaseDate: 1e20 }],
      ['expiresDate', { expiresDate: -1 }],
      ['price', { ...pack, price: 1e15 }],
      ['quantity', { ...pack, quantity: 1000 }],
    ];
    for (const [field, values] of cases) {
      const body = await notification(
        values.type ? 'ONE_TIME_CHARGE' : 'SUBSCRIBED',
        values.type ? undefined : 'INITIAL_BUY',
        transaction(user.id, values),
      );
      const res = await deliver(body);
      expect(res.status, field).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect(await pointsOf(user.id)).toBe(0);
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body.is_vip).toBe(false);
  });
});

describe('POST /{app}/purchases/verify (StoreKit 2)', () => {
  it("credits a verified pack once and refuses someone else's purchase", async () => {
    const user = await createUser();
    const jws = await ca.sign(
      transaction(user.id, {
        productId: 'com.houtai.pickitchen.points.2000',
        type: 'Consumable',
        expiresDate: undefined,
      }),
    );
    for (let i = 0; i < 3; i++) {
      const res = await call('POST', '/pickitchen/purchases/verify', {
        token: user.token,
        json: { store: 'app_store', signed_transaction: jws },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ product_id: 'com.houtai.pickitchen.points.2000', outcome: 'processed' });
    }
    expect(await pointsOf(user.id)).toBe(2000);
    const thief = await createUser();
    const stolen = await call('POST', '/pickitchen/purchases/verify', {
      token: thief.token,
      json: { store: 'app_store', signed_transaction: jws },
    });
    expect(stolen.status).toBe(403);
    expect(await pointsOf(thief.id)).toBe(0);
  });

  it("marks the app's pending order paid", async () => {
    const user = await createUser();
    const order = await call('POST', '/pickitchen/orders', {
      token: user.token,
      json: { product_id: 'pickitchen.points_500' },
    });
    const jws = await ca.sign(
      transaction(user.id, {
        productId: 'com.houtai.pickitchen.points.500',
        type: 'Consumable',
        expiresDate: undefined,
      }),
    );
    await call('POST', '/pickitchen/purchases/verify', {
      token: user.token,
      json: { store: 'app_store', signed_transaction: jws, order_id: order.body.id },
    });
    expect((await call('GET', `/pickitchen/orders/${order.body.id}`, { token: user.token })).body).toMatchObject({
      status: 'paid',
      granted_amount: 500,
    });
  });

  it('refuses tampered, foreign-app and unsigned transactions', async () => {
    const user = await createUser();
    const jws = await ca.sign(
      transaction(user.id, { productId: 'com.houtai.pickitchen.points.500', type: 'Consumable' }),
    );
    const [h, p, s] = jws.split('.');
    const tamperedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), quantity: 50 }),
    ).toString('base64url');
    for (const bad of [`${h}.${tamperedPayload}.${s}`, 'a.b.c']) {
      const res = await call('POST', '/pickitchen/purchases/verify', {
        token: user.token,
        json: { store: 'app_store', signed_transaction: bad.padEnd(20, 'x') },
      });
      expect(res.status).toBe(401);
      expect(envelope(res).code).toBe('INVALID_SIGNATURE');
    }
    const otherApp = await ca.sign(
      transaction(user.id, {
        bundleId: 'com.houtai.companion',
        productId: 'com.houtai.companion.coins.60',
        type: 'Consumable',
      }),
    );
    expect(
      (await call('POST', '/pickitchen/purchases/verify', {
        token: user.token,
        json: { store: 'app_store', signed_transaction: otherApp },
      })).status,
    ).toBe(401);
    expect(await pointsOf(user.id)).toBe(0);
  });
});
