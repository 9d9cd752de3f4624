// POST /hooks/google — Google Play Real-time Developer Notifications, pushed by Pub/Sub. The push's OIDC token
// is verified; the notification only says "look again", so the purchase is read from the Play Developer API,
// applied once per Pub/Sub message id, and acknowledged (Play refunds unacknowledged purchases after 3 days).
import { createRoute, z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { errorResponses, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { ApiError, validationFailed } from '../../_shared/errors.ts';
import type { Tx } from '../../_shared/db.ts';
import {
  applyPurchase, applyRefund, applySubscription, productFor, receiveOnce, recordRejected, resolveUser,
  type InboxOutcome, type SubscriptionStatus,
} from '../../_shared/commerce.ts';
import type { GooglePlay } from '../../_shared/providers/google-play.ts';
import { EpochMsText } from '../../_shared/store-values.ts';
import { refused } from '../refused.ts';

const PushBody = z
  .object({
    message: z.object({ data: z.string(), messageId: z.string().optional(), message_id: z.string().optional(), publishTime: z.string().optional() }).passthrough(),
    subscription: z.string().optional(),
  })
  .openapi('PubSubPush');

const Notification = z.object({
  packageName: z.string(),
  eventTimeMillis: EpochMsText,
  subscriptionNotification: z.object({ notificationType: z.number(), purchaseToken: z.string(), subscriptionId: z.string().optional() }).optional(),
  oneTimeProductNotification: z.object({ notificationType: z.number(), purchaseToken: z.string(), sku: z.string() }).optional(),
  voidedPurchaseNotification: z.object({ purchaseToken: z.string(), orderId: z.string(), productType: z.number() }).optional(),
  testNotification: z.object({}).passthrough().optional(),
});
type Notification = z.infer<typeof Notification>;

const route = createRoute({
  method: 'post',
  path: '/google',
  tags: ['store webhooks'],
  summary: 'Google Play Real-time Developer Notifications (Pub/Sub push with an OIDC token)',
  request: { body: jsonBody(PushBody) },
  responses: { 200: jsonContent(z.object({ status: z.string() }), 'Processed, ignored, stale or duplicate'), ...errorResponses(400, 401, 422, 429, 503) },
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

async function apply(tx: Tx, play: GooglePlay, n: Notification, app: string): Promise<{ outcome: InboxOutcome; reason?: string; unknownUser?: boolean }> {
  const eventAt = new Date(Number(n.eventTimeMillis));
  if (n.subscriptionNotification) {
    const { purchaseToken, notificationType } = n.subscriptionNotification;
    const sub = await play.getSubscription(n.packageName, purchaseToken);
    const line = sub.lineItems?.[0];
    const product = line?.productId ? await productFor(tx, 'play_store', line.productId) : undefined;
    if (!product || product.app_id !== app) return { outcome: 'ignored', reason: `unknown product ${line?.productId}` };
    const userId = await resolveUser(tx, [sub.externalAccountIdentifiers?.obfuscatedExternalAccountId]);
    if (!userId) return { outcome: 'ignored', unknownUser: true };
    const status = STATES[sub.subscriptionState ?? ''];
    if (!status) return { outcome: 'ignored', reason: `state ${sub.subscriptionState}` };
    const result = await applySubscription(tx, {
      userId, productId: product.id, store: 'play_store', source: 'google', originalTransactionId: purchaseToken, eventAt, status,
      willRenew: status === 'active' && line?.autoRenewingPlan?.autoRenewEnabled !== false,
      periodStart: sub.startTime ? new Date(sub.startTime) : null, periodEnd: line?.expiryTime ? new Date(line.expiryTime) : null,
      grantPeriod: notificationType === SUBSCRIPTION_PURCHASED,
    });
    if (sub.acknowledgementState === 'ACKNOWLEDGEMENT_STATE_PENDING' && status === 'active') {
      await play.acknowledgeSubscription(n.packageName, line?.productId ?? n.subscriptionNotification.subscriptionId ?? '', purchaseToken);
    }
    return { outcome: result === 'stale' ? 'stale' : 'processed' };
  }
  if (n.oneTimeProductNotification) {
    const { purchaseToken, sku, notificationType } = n.oneTimeProductNotification;
    if (notificationType !== ONE_TIME_PRODUCT_PURCHASED) return { outcome: 'ignored', reason: 'pending purchase canceled' };
    const purchase = await play.getProduct(n.packageName, sku, purchaseToken);
    const product = await productFor(tx, 'play_store', sku);
    if (!product || product.app_id !== app) return { outcome: 'ignored', reason: `unknown product ${sku}` };
    if (purchase.purchaseState !== 0) return { outcome: 'ignored', reason: `purchase state ${purchase.purchaseState}` };
    const userId = await resolveUser(tx, [purchase.obfuscatedExternalAccountId]);
    if (!userId) return { outcome: 'ignored', unknownUser: true };
    await applyPurchase(tx, {
      userId, productId: product.id, store: 'play_store', transactionId: purchase.orderId ?? purchaseToken,
      purchasedAt: new Date(Number(purchase.purchaseTimeMillis ?? n.eventTimeMillis)), orderId: purchase.obfuscatedExternalProfileId, quantity: purchase.quantity ?? 1,
    });
    if (purchase.acknowledgementState === 0) await play.acknowledgeProduct(n.packageName, sku, purchaseToken);
    return { outcome: 'processed' };
  }
  if (n.voidedPurchaseNotification) {
    const { orderId, purchaseToken, productType } = n.voidedPurchaseNotification;
    if (productType === 2) {
      await applyRefund(tx, 'play_store', orderId, eventAt);
      return { outcome: 'processed', reason: 'refund' };
    }
    const [sub] = await tx<{ user_id: string; product_id: string }[]>`
      select user_id, product_id from public.subscriptions where store = 'play_store' and original_transaction_id = ${purchaseToken}`;
    if (!sub) return { outcome: 'ignored', reason: 'voided subscription we never saw' };
    const result = await applySubscription(tx, {
      userId: sub.user_id, productId: sub.product_id, store: 'play_store', source: 'google', originalTransactionId: purchaseToken,
      eventAt, status: 'expired', willRenew: false, periodEnd: eventAt,
    });
    return { outcome: result === 'stale' ? 'stale' : 'processed', reason: 'refund' };
  }
  return { outcome: 'ignored', reason: n.testNotification ? 'test notification' : 'nothing to apply' };
}

export function registerGoogleHook(app: HoutaiApp, deps: GoogleDeps) {
  app.openapi(route, async (c) => {
    const play = deps.play();
    const apps = c.var.config.google.apps;
    if (!play || Object.keys(apps).length === 0) throw new ApiError('SERVICE_UNAVAILABLE', 'Google Play is not configured (GOOGLE_SERVICE_ACCOUNT_JSON, GOOGLE_PLAY_APPS).');
    const db = c.var.db;
    if (!(await deps.verifyPush(c.req.header('authorization')))) {
      throw refused(c, 'google', 'push not authenticated', new ApiError('UNAUTHORIZED', 'The push is not authenticated by Google for this endpoint.'));
    }
    const push = c.req.valid('json');
    const messageId = push.message.messageId ?? push.message.message_id ?? '';
    const parsed = Notification.safeParse(decodeData(push.message.data));
    if (!parsed.success) {
      await db.withService((tx) => recordRejected(tx, 'google', 'malformed notification', { event_id: messageId }));
      throw validationFailed(parsed.error, 'message.data', 'message.data is not a Play developer notification, or has values out of range.');
    }
    const n = parsed.data;
    const appId = Object.entries(apps).find(([, a]) => a.packageName === n.packageName)?.[0];
    if (!appId) {
      await db.withService((tx) => recordRejected(tx, 'google', 'unknown package', { event_id: messageId, package: n.packageName }));
      throw new ApiError('BUSINESS_RULE_VIOLATION', `No app is configured for package ${n.packageName}.`);
    }
    const type = n.subscriptionNotification ? `subscription/${n.subscriptionNotification.notificationType}` : n.oneTimeProductNotification ? 'one_time' : n.voidedPurchaseNotification ? 'voided' : 'test';
    let result: InboxOutcome | 'duplicate';
    try {
      result = await db.withService((tx) =>
        receiveOnce(tx, 'google', messageId, type, n, async () => {
          const r = await apply(tx, play, n, appId);
          // Roll the inbox row back with everything else: the retry must be processed once the user is known.
          if (r.unknownUser) throw new UnknownUser();
          return r;
        }),
      );
    } catch (err) {
      if (!(err instanceof UnknownUser)) throw err;
      await db.withService((tx) => recordRejected(tx, 'google', 'unknown app user', { event_id: messageId, event_type: type }));
      throw new ApiError('BUSINESS_RULE_VIOLATION', 'The purchase does not carry one of our users (obfuscatedAccountId).', [{ code: 'unknown_app_user', message: 'set obfuscatedAccountId to the user id' }]);
    }
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
