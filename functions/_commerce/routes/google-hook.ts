// POST /hooks/google — Google Play Real-time Developer Notifications, pushed by Pub/Sub. The push's OIDC token
// is verified; the notification only says "look again", so the purchase is read from the Play Developer API (before
// any transaction opens), applied once per Pub/Sub message id, and acknowledged once committed (Play refunds
// unacknowledged purchases after 3 days).
import { createRoute, z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { errorResponses, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { ApiError, validationFailed } from '../../_shared/errors.ts';
import type { Db, Tx } from '../../_shared/db.ts';
import {
  applyPurchase,
  applyRefund,
  applySubscription,
  claimAcknowledgement,
  type InboxOutcome,
  oweAcknowledgement,
  productFor,
  receiveOnce,
  recordRejected,
  resolveUser,
  type SubscriptionStatus,
} from '../commerce.ts';
import type { GooglePlay, ProductPurchase, SubscriptionPurchaseV2 } from '../../_shared/providers/google-play.ts';
import { EpochMsText } from '../../_shared/providers/store-values.ts';
import { refused } from '../../_shared/http/refused.ts';
import { JsonValue } from '../../_shared/validation.ts';

const PushBody = z
  .object({
    message: z.object({
      data: z.string(),
      messageId: z.string().optional(),
      message_id: z.string().optional(),
      publishTime: z.string().optional(),
    }).catchall(JsonValue),
    subscription: z.string().optional(),
  })
  .openapi('PubSubPush');

const Notification = z.object({
  packageName: z.string(),
  eventTimeMillis: EpochMsText,
  subscriptionNotification: z.object({
    notificationType: z.number(),
    purchaseToken: z.string(),
    subscriptionId: z.string().optional(),
  }).optional(),
  oneTimeProductNotification: z.object({ notificationType: z.number(), purchaseToken: z.string(), sku: z.string() })
    .optional(),
  voidedPurchaseNotification: z.object({ purchaseToken: z.string(), orderId: z.string(), productType: z.number() })
    .optional(),
  testNotification: z.object({}).passthrough().optional(),
});
type Notification = z.infer<typeof Notification>;

const route = createRoute({
  method: 'post',
  path: '/google',
  tags: ['store webhooks'],
  summary: 'Google Play Real-time Developer Notifications (Pub/Sub push with an OIDC token)',
  request: { body: jsonBody(PushBody) },
  responses: {
    200: jsonContent(z.object({ status: z.string() }), 'Processed, ignored, stale or duplicate'),
    ...errorResponses(400, 401, 422, 429, 503),
  },
});

const STATES: Record<string, SubscriptionStatus> = {
  SUBSCRIPTION_STATE_ACTIVE: 'active',
  SUBSCRIPTION_STATE_CANCELED: 'cancelled',
  SUBSCRIPTION_STATE_IN_GRACE_PERIOD: 'billing_issue',
  SUBSCRIPTION_STATE_ON_HOLD: 'billing_issue',
  SUBSCRIPTION_STATE_PAUSED: 'paused',
  SUBSCRIPTION_STATE_EXPIRED: 'expired',
};
const SUBSCRIPTION_PURCHASED = 4;
const ONE_TIME_PRODUCT_PURCHASED = 1;

export interface GoogleDeps {
  play: () => GooglePlay | undefined;
  verifyPush: (authorization: string | undefined) => Promise<boolean>;
}

/**
 * What Play says about the notification's purchase, read before any transaction opens: no pool connection waits on
 * Google's HTTP answers. `acknowledge` is Play's acknowledgement call, made after the purchase is applied and
 * committed.
 */
interface PlayState {
  sub?: SubscriptionPurchaseV2;
  purchase?: ProductPurchase;
  acknowledge?: () => Promise<void>;
}

async function readPlay(play: GooglePlay, n: Notification): Promise<PlayState> {
  if (n.subscriptionNotification) {
    const { purchaseToken, subscriptionId } = n.subscriptionNotification;
    const sub = await play.getSubscription(n.packageName, purchaseToken);
    const productId = sub.lineItems?.[0]?.productId ?? subscriptionId ?? '';
    return { sub, acknowledge: () => play.acknowledgeSubscription(n.packageName, productId, purchaseToken) };
  }
  if (n.oneTimeProductNotification?.notificationType === ONE_TIME_PRODUCT_PURCHASED) {
    const { purchaseToken, sku } = n.oneTimeProductNotification;
    return {
      purchase: await play.getProduct(n.packageName, sku, purchaseToken),
      acknowledge: () => play.acknowledgeProduct(n.packageName, sku, purchaseToken),
    };
  }
  return {};
}

type Applied = { outcome: InboxOutcome; reason?: string; unknownUser?: boolean; acknowledgementOwed?: boolean };

async function apply(tx: Tx, play: PlayState, n: Notification, app: string): Promise<Applied> {
  const eventAt = new Date(Number(n.eventTimeMillis));
  if (n.subscriptionNotification && play.sub) {
    const { purchaseToken, notificationType } = n.subscriptionNotification;
    const sub = play.sub;
    const line = sub.lineItems?.[0];
    const product = line?.productId ? await productFor(tx, 'play_store', line.productId) : undefined;
    if (!product || product.app_id !== app) return { outcome: 'ignored', reason: `unknown product ${line?.productId}` };
    const userId = await resolveUser(tx, [sub.externalAccountIdentifiers?.obfuscatedExternalAccountId]);
    if (!userId) return { outcome: 'ignored', unknownUser: true };
    const status = STATES[sub.subscriptionState ?? ''];
    if (!status) return { outcome: 'ignored', reason: `state ${sub.subscriptionState}` };
    const result = await applySubscription(tx, {
      userId,
      productId: product.id,
      store: 'play_store',
      source: 'google',
      originalTransactionId: purchaseToken,
      eventAt,
      status,
      willRenew: status === 'active' && line?.autoRenewingPlan?.autoRenewEnabled !== false,
      periodStart: sub.startTime ? new Date(sub.startTime) : null,
      periodEnd: line?.expiryTime ? new Date(line.expiryTime) : null,
      grantPeriod: notificationType === SUBSCRIPTION_PURCHASED,
    });
    return {
      outcome: result === 'stale' ? 'stale' : 'processed',
      acknowledgementOwed: sub.acknowledgementState === 'ACKNOWLEDGEMENT_STATE_PENDING' && status === 'active',
    };
  }
  if (n.oneTimeProductNotification) {
    const { purchaseToken, sku } = n.oneTimeProductNotification;
    const purchase = play.purchase;
    if (!purchase) return { outcome: 'ignored', reason: 'pending purchase canceled' };
    const product = await productFor(tx, 'play_store', sku);
    if (!product || product.app_id !== app) return { outcome: 'ignored', reason: `unknown product ${sku}` };
    if (purchase.purchaseState !== 0) return { outcome: 'ignored', reason: `purchase state ${purchase.purchaseState}` };
    const userId = await resolveUser(tx, [purchase.obfuscatedExternalAccountId]);
    if (!userId) return { outcome: 'ignored', unknownUser: true };
    await applyPurchase(tx, {
      userId,
      productId: product.id,
      store: 'play_store',
      transactionId: purchase.orderId ?? purchaseToken,
      purchasedAt: new Date(Number(purchase.purchaseTimeMillis ?? n.eventTimeMillis)),
      orderId: purchase.obfuscatedExternalProfileId,
      quantity: purchase.quantity ?? 1,
    });
    return { outcome: 'processed', acknowledgementOwed: purchase.acknowledgementState === 0 };
  }
  if (n.voidedPurchaseNotification) {
    const { orderId, purchaseToken, productType } = n.voidedPurchaseNotification;
    if (productType === 2) {
      await applyRefund(tx, 'play_store', orderId, eventAt);
      return { outcome: 'processed', reason: 'refund' };
    }
    const [sub] = await tx<{ user_id: string; product_id: string }[]>`
      select user_id, product_id from public.subscriptions
       where store = 'play_store' and original_transaction_id = ${purchaseToken}`;
    if (!sub) return { outcome: 'ignored', reason: 'voided subscription we never saw' };
    const result = await applySubscription(tx, {
      userId: sub.user_id,
      productId: sub.product_id,
      store: 'play_store',
      source: 'google',
      originalTransactionId: purchaseToken,
      eventAt,
      status: 'expired',
      willRenew: false,
      periodEnd: eventAt,
    });
    return { outcome: result === 'stale' ? 'stale' : 'processed', reason: 'refund' };
  }
  return { outcome: 'ignored', reason: n.testNotification ? 'test notification' : 'nothing to apply' };
}

/**
 * Makes the acknowledgement the message still owes, after its transaction committed. The first delivery owes it; when
 * Play's call fails the debt is put back and the delivery fails, so Pub/Sub's redelivery (a duplicate for the inbox)
 * makes it. One claim at a time: concurrent redeliveries acknowledge once.
 */
async function acknowledgeOwed(db: Db, messageId: string, acknowledge: (() => Promise<void>) | undefined) {
  if (!acknowledge || !(await db.asService((tx) => claimAcknowledgement(tx, 'google', messageId)))) return;
  try {
    await acknowledge();
  } catch (err) {
    await db.asService((tx) => oweAcknowledgement(tx, 'google', messageId));
    throw err;
  }
}

export function registerGoogleHook(app: HoutaiApp, deps: GoogleDeps) {
  app.openapi(route, async (c) => {
    const play = deps.play();
    const apps = c.var.config.google.apps;
    if (!play || Object.keys(apps).length === 0) {
      throw new ApiError(
        'SERVICE_UNAVAILABLE',
        'Google Play is not configured (GOOGLE_SERVICE_ACCOUNT_JSON, GOOGLE_PLAY_APPS).',
      );
    }
    const db = c.var.db;
    if (!(await deps.verifyPush(c.req.header('authorization')))) {
      throw refused(
        c,
        'google',
        'push not authenticated',
        new ApiError('UNAUTHORIZED', 'The push is not authenticated by Google for this endpoint.'),
      );
    }
    const push = c.req.valid('json');
    const messageId = push.message.messageId ?? push.message.message_id ?? '';
    const parsed = Notification.safeParse(decodeData(push.message.data));
    if (!parsed.success) {
      await db.asService((tx) => recordRejected(tx, 'google', 'malformed notification', { event_id: messageId }));
      throw validationFailed(
        parsed.error,
        'message.data',
        'message.data is not a Play developer notification, or has values out of range.',
      );
    }
    const n = parsed.data;
    const appId = Object.entries(apps).find(([, a]) => a.packageName === n.packageName)?.[0];
    if (!appId) {
      await db.asService((tx) =>
        recordRejected(tx, 'google', 'unknown package', { event_id: messageId, package: n.packageName })
      );
      throw new ApiError('BUSINESS_RULE_VIOLATION', `No app is configured for package ${n.packageName}.`);
    }
    const type = n.subscriptionNotification
      ? `subscription/${n.subscriptionNotification.notificationType}`
      : n.oneTimeProductNotification
      ? 'one_time'
      : n.voidedPurchaseNotification
      ? 'voided'
      : 'test';
    const state = await readPlay(play, n);
    let result: InboxOutcome | 'duplicate';
    try {
      result = await db.asService((tx) =>
        receiveOnce(tx, 'google', messageId, type, n, async () => {
          const r = await apply(tx, state, n, appId);
          // Roll the inbox row back with everything else: the retry must be processed once the user is known.
          if (r.unknownUser) throw new UnknownUser();
          return r;
        })
      );
    } catch (err) {
      if (!(err instanceof UnknownUser)) throw err;
      await db.asService((tx) =>
        recordRejected(tx, 'google', 'unknown app user', { event_id: messageId, event_type: type })
      );
      throw new ApiError(
        'BUSINESS_RULE_VIOLATION',
        'The purchase does not carry one of our users (obfuscatedAccountId).',
        [{ code: 'unknown_app_user', message: 'set obfuscatedAccountId to the user id' }],
      );
    }
    await acknowledgeOwed(db, messageId, state.acknowledge);
    return c.json({ status: result }, 200);
  });
}

class UnknownUser extends Error {}

/** The push's base64 JSON, or undefined when it is not (the schema then says what was expected). */
function decodeData(data: string): unknown {
  try {
    return JSON.parse(atob(data));
  } catch {
    return undefined;
  }
}
