// Google Play RTDN through an authenticated Pub/Sub push, the purchase read back from the Play Developer API
// (the fake), acknowledged, applied once per message.
import { describe, expect, it } from 'vitest';
import { sendAtOnce, userRowOf } from '../helpers/at-once.ts';
import { adminSql, rejectedWebhooks } from '../helpers/db.ts';
import { call } from '../helpers/http.ts';
import { pointsOf } from '../helpers/pickitchen.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import { Buffer } from 'node:buffer';

const DAY = 86_400_000;
const PKG = 'com.houtai.pickitchen';

async function fake(path: string, payload: unknown) {
  const res = await fetch(`${stackEnv().fakeGoogleUrl}${path}`, { method: 'POST', body: JSON.stringify(payload) });
  return res.json();
}
const pushToken = async (opts: { audience?: string; email?: string; key?: 'wrong' } = {}) =>
  (await fake('/__fake/oidc-token', {
    audience: opts.audience ?? stackEnv().pubsub.audience,
    email: opts.email ?? stackEnv().pubsub.email,
    key: opts.key,
  })).token as string;

async function push(notification: Record<string, unknown>, opts: { token?: string | null; messageId?: string } = {}) {
  const token = opts.token === undefined ? await pushToken() : opts.token;
  const body = {
    message: {
      data: Buffer.from(
        JSON.stringify({ version: '1.0', packageName: PKG, eventTimeMillis: String(Date.now()), ...notification }),
      ).toString('base64'),
      messageId: opts.messageId ?? String(Math.floor(Math.random() * 1e15)),
      publishTime: new Date().toISOString(),
    },
    subscription: 'projects/houtai-test/subscriptions/play-rtdn',
  };
  const res = await fetch(`${stackEnv().apiUrl}/functions/v1/hooks/google`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

function subscriptionPurchase(userId: string, state: string, extra: Record<string, unknown> = {}) {
  return {
    kind: 'androidpublisher#subscriptionPurchaseV2',
    startTime: new Date().toISOString(),
    regionCode: 'US',
    subscriptionState: state,
    latestOrderId: `GPA.${Math.floor(Math.random() * 1e4)}-0000-0000-00000`,
    acknowledgementState: 'ACKNOWLEDGEMENT_STATE_PENDING',
    externalAccountIdentifiers: { obfuscatedExternalAccountId: userId },
    lineItems: [{
      productId: 'pickitchen_vip_weekly',
      expiryTime: new Date(Date.now() + 7 * DAY).toISOString(),
      autoRenewingPlan: { autoRenewEnabled: state === 'SUBSCRIPTION_STATE_ACTIVE' },
      offerDetails: { basePlanId: 'weekly' },
    }],
    ...extra,
  };
}

describe('Google Play RTDN', () => {
  it('a purchased subscription is read from the Play API, applied once per message, and acknowledged', async () => {
    const user = await createUser();
    const token = `tok-${crypto.randomUUID()}`;
    await fake('/__fake/subscriptions', {
      token,
      purchase: subscriptionPurchase(user.id, 'SUBSCRIPTION_STATE_ACTIVE'),
    });
    const messageId = String(Date.now());
    const results = [];
    for (let i = 0; i < 10; i++) {
      results.push(
        await push({
          subscriptionNotification: {
            version: '1.0',
            notificationType: 4,
            purchaseToken: token,
            subscriptionId: 'pickitchen_vip_weekly',
          },
        }, { messageId }),
      );
    }
    expect(results[0]).toEqual({ status: 200, body: { status: 'processed' } });
    expect(results.slice(1).every((r) => r.body.status === 'duplicate')).toBe(true);
    expect(await pointsOf(user.id)).toBe(2000);
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body).toMatchObject({
      is_vip: true,
      plan: 'weekly',
      subscriptions: [{ store: 'play_store' }],
    });
    const acks = (await (await fetch(`${stackEnv().fakeGoogleUrl}/__fake/acks`)).json()) as string[];
    expect(acks).toContain(`${PKG}/subscriptions/pickitchen_vip_weekly/${token}`);
  });

  it('a message pushed 8 times at once: 1 processed, 7 duplicate, 1 grant, 1 acknowledgement', async () => {
    const user = await createUser();
    const token = `tok-${crypto.randomUUID()}`;
    await fake('/__fake/subscriptions', {
      token,
      purchase: subscriptionPurchase(user.id, 'SUBSCRIPTION_STATE_ACTIVE'),
    });
    // Pub/Sub redelivering one message: the same id, data and push token each time.
    const messageId = String(Math.floor(Math.random() * 1e15));
    const notification = {
      eventTimeMillis: String(Date.now()),
      subscriptionNotification: {
        version: '1.0',
        notificationType: 4,
        purchaseToken: token,
        subscriptionId: 'pickitchen_vip_weekly',
      },
    };
    const auth = await pushToken();
    const answers = await sendAtOnce(userRowOf(user.id), 8, () => push(notification, { messageId, token: auth }));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.map((a) => a.body.status).sort()).toEqual([...Array(7).fill('duplicate'), 'processed']);
    expect(await pointsOf(user.id)).toBe(2000);
    expect(
      await adminSql()`
        select status from internal.webhook_events where provider = 'google' and event_id = ${messageId}`,
    ).toEqual([{ status: 'processed' }]);
    expect(await adminSql()`select 1 from public.subscriptions where user_id = ${user.id}`).toHaveLength(1);
    const acks = (await (await fetch(`${stackEnv().fakeGoogleUrl}/__fake/acks`)).json()) as string[];
    expect(acks.filter((a) => a.endsWith(`/${token}`))).toHaveLength(1);
  });

  it("follows the Play API's state (cancelled keeps VIP until expiry, expired ends it)", async () => {
    const user = await createUser();
    const token = `tok-${crypto.randomUUID()}`;
    const t0 = Date.now();
    await fake('/__fake/subscriptions', {
      token,
      purchase: subscriptionPurchase(user.id, 'SUBSCRIPTION_STATE_ACTIVE'),
    });
    await push({
      eventTimeMillis: String(t0 - 2000),
      subscriptionNotification: { notificationType: 4, purchaseToken: token },
    });
    await fake('/__fake/subscriptions', {
      token,
      purchase: subscriptionPurchase(user.id, 'SUBSCRIPTION_STATE_CANCELED', {
        acknowledgementState: 'ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED',
      }),
    });
    await push({
      eventTimeMillis: String(t0 - 1000),
      subscriptionNotification: { notificationType: 3, purchaseToken: token },
    });
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body).toMatchObject({
      is_vip: true,
      will_renew: false,
    });
    await fake('/__fake/subscriptions', {
      token,
      purchase: subscriptionPurchase(user.id, 'SUBSCRIPTION_STATE_EXPIRED', {
        lineItems: [{ productId: 'pickitchen_vip_weekly', expiryTime: new Date(t0 - 1).toISOString() }],
      }),
    });
    await push({
      eventTimeMillis: String(t0),
      subscriptionNotification: { notificationType: 13, purchaseToken: token },
    });
    expect((await call('GET', '/pickitchen/subscription', { token: user.token })).body.is_vip).toBe(false);
  });

  it('credits a one-time pack and takes it back when voided', async () => {
    const user = await createUser();
    const token = `tok-${crypto.randomUUID()}`;
    const orderId = `GPA.${crypto.randomUUID()}`;
    await fake('/__fake/products', {
      productId: 'pickitchen_points_500',
      token,
      purchase: {
        kind: 'androidpublisher#productPurchase',
        purchaseTimeMillis: String(Date.now()),
        purchaseState: 0,
        consumptionState: 0,
        orderId,
        acknowledgementState: 0,
        obfuscatedExternalAccountId: user.id,
        quantity: 1,
        regionCode: 'US',
      },
    });
    expect(
      (await push({
        oneTimeProductNotification: {
          version: '1.0',
          notificationType: 1,
          purchaseToken: token,
          sku: 'pickitchen_points_500',
        },
      })).body.status,
    ).toBe('processed');
    expect(await pointsOf(user.id)).toBe(500);
    await push({ voidedPurchaseNotification: { purchaseToken: token, orderId, productType: 2, refundType: 1 } });
    expect(await pointsOf(user.id)).toBe(0);
  });

  it('refuses pushes without a valid Google token for our audience before writing anything', async () => {
    const user = await createUser();
    const token = `tok-${crypto.randomUUID()}`;
    await fake('/__fake/subscriptions', {
      token,
      purchase: subscriptionPurchase(user.id, 'SUBSCRIPTION_STATE_ACTIVE'),
    });
    const rejected = () => rejectedWebhooks('google');
    const before = await rejected();
    const n = { subscriptionNotification: { notificationType: 4, purchaseToken: token } };
    expect((await push(n, { token: null })).status).toBe(401);
    expect((await push(n, { token: await pushToken({ key: 'wrong' }) })).status).toBe(401);
    expect((await push(n, { token: await pushToken({ audience: 'https://elsewhere.example' }) })).status).toBe(401);
    expect((await push(n, { token: await pushToken({ email: 'someone@else.iam.gserviceaccount.com' }) })).status).toBe(
      401,
    );
    expect(await pointsOf(user.id)).toBe(0);
    expect(await rejected()).toBe(before);
  });

  it('answers an event time out of range with 400 VALIDATION_FAILED, never 500, and applies nothing', async () => {
    const user = await createUser();
    const token = `tok-${crypto.randomUUID()}`;
    await fake('/__fake/subscriptions', {
      token,
      purchase: subscriptionPurchase(user.id, 'SUBSCRIPTION_STATE_ACTIVE'),
    });
    for (const eventTimeMillis of ['99999999999999999999', '-5', '1.5']) {
      const messageId = `m-${crypto.randomUUID()}`;
      const res = await push({
        eventTimeMillis,
        subscriptionNotification: { notificationType: 4, purchaseToken: token },
      }, { messageId });
      expect(res.status, eventTimeMillis).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(
        await adminSql()`select 1 from internal.webhook_events where event_id = ${messageId} and status <> 'rejected'`,
      ).toHaveLength(0);
    }
    expect(await pointsOf(user.id)).toBe(0);
  });

  it('answers 422 for a purchase without one of our users, and keeps no inbox row so the retry can apply', async () => {
    const token = `tok-${crypto.randomUUID()}`;
    await fake('/__fake/subscriptions', {
      token,
      purchase: subscriptionPurchase(crypto.randomUUID(), 'SUBSCRIPTION_STATE_ACTIVE'),
    });
    const messageId = `m-${crypto.randomUUID()}`;
    const res = await push({ subscriptionNotification: { notificationType: 4, purchaseToken: token } }, { messageId });
    expect(res.status).toBe(422);
    expect(await adminSql()`select 1 from internal.webhook_events where event_id = ${messageId}`).toHaveLength(0);
  });

  it('reads the purchase from Play outside a transaction: no connection idles in one while Play answers', async () => {
    const user = await createUser();
    const token = `tok-${crypto.randomUUID()}`;
    await fake('/__fake/subscriptions', {
      token,
      purchase: subscriptionPurchase(user.id, 'SUBSCRIPTION_STATE_ACTIVE'),
    });
    await fake('/__fake/hold-reads', {});
    let pushed: ReturnType<typeof push> | undefined;
    try {
      pushed = push({
        subscriptionNotification: {
          version: '1.0',
          notificationType: 4,
          purchaseToken: token,
          subscriptionId: 'pickitchen_vip_weekly',
        },
      });
      await expect.poll(async () => (await fake('/__fake/held-reads', {})).held, { timeout: 10_000 }).toBe(1);
      // A transaction opened for this message would have written its inbox row and now wait on Play.
      const waiting = await adminSql()`
        select count(*)::int as n from pg_stat_activity
        where application_name = 'houtai-functions' and state like 'idle in transaction%'
          and query like '%internal.webhook_events%'`;
      expect(waiting[0].n).toBe(0);
    } finally {
      await fake('/__fake/release-reads', {});
    }
    expect(await pushed).toEqual({ status: 200, body: { status: 'processed' } });
    expect(await pointsOf(user.id)).toBe(2000);
  });

  it('an acknowledgement Play refused is made once by the redelivery; the purchase is still applied once', async () => {
    const user = await createUser();
    const token = `tok-${crypto.randomUUID()}`;
    await fake('/__fake/subscriptions', {
      token,
      purchase: subscriptionPurchase(user.id, 'SUBSCRIPTION_STATE_ACTIVE'),
    });
    const messageId = String(Math.floor(Math.random() * 1e15));
    const notification = {
      subscriptionNotification: {
        version: '1.0',
        notificationType: 4,
        purchaseToken: token,
        subscriptionId: 'pickitchen_vip_weekly',
      },
    };
    const acked = async () =>
      ((await (await fetch(`${stackEnv().fakeGoogleUrl}/__fake/acks`)).json()) as string[]).filter((a) =>
        a.endsWith(`/${token}`)
      ).length;

    await fake('/__fake/refuse-acks', { count: 1 });
    const first = await push(notification, { messageId });
    expect(first.status).toBeGreaterThanOrEqual(500); // Pub/Sub redelivers what is not answered 2xx
    expect(await acked()).toBe(0);
    expect(await pointsOf(user.id)).toBe(2000);

    const redeliveries = [await push(notification, { messageId }), await push(notification, { messageId })];
    expect(redeliveries).toEqual([{ status: 200, body: { status: 'duplicate' } }, {
      status: 200,
      body: { status: 'duplicate' },
    }]);
    expect(await acked()).toBe(1);
    expect(await pointsOf(user.id)).toBe(2000);
  });
});
