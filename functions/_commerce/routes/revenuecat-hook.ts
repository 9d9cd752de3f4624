// POST /hooks/revenuecat — RevenueCat webhooks. Delivered at least once, retried late and out of order:
// deduplicated by event.id (inbox), applied by event time (subscription watermark), refunds reversed through
// the ledger. Only a 200 counts as delivered for RevenueCat.
import { createRoute, z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { errorResponses, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../_shared/http/context.ts';
import { ApiError, validationFailed } from '../../_shared/errors.ts';
import { timingSafeEqual } from '../../_shared/constant-time.ts';
import type { Tx } from '../../_shared/db.ts';
import {
  applyPurchase,
  applyRefund,
  applySubscription,
  type InboxOutcome,
  productFor,
  receiveOnce,
  recordRejected,
  resolveUser,
  type Store,
  transferSubscriptions,
} from '../commerce.ts';
import { EpochMs, Price } from '../../_shared/providers/store-values.ts';
import { refused } from '../../_shared/http/refused.ts';
import { JsonValue } from '../../_shared/validation.ts';

const RcEvent = z
  .object({
    id: z.string().min(1).max(200),
    type: z.string(),
    event_timestamp_ms: EpochMs,
    app_user_id: z.string().nullish(),
    original_app_user_id: z.string().nullish(),
    aliases: z.array(z.string()).nullish(),
    product_id: z.string().nullish(),
    store: z.string().nullish(),
    transaction_id: z.string().nullish(),
    original_transaction_id: z.string().nullish(),
    purchased_at_ms: EpochMs.nullish(),
    expiration_at_ms: EpochMs.nullish(),
    price: Price.nullish(),
    currency: z.string().nullish(),
    cancel_reason: z.string().nullish(),
    transferred_from: z.array(z.string()).nullish(),
    transferred_to: z.array(z.string()).nullish(),
    environment: z.string().nullish(),
  })
  // RevenueCat's other fields, kept as sent: JSON we do not read.
  .catchall(JsonValue);
type RcEvent = z.infer<typeof RcEvent>;

const Body = z.object({ api_version: z.string().optional(), event: RcEvent });

const Reply = z.object({ status: z.string() }).openapi('WebhookReply');

/** The delivery carries the Authorization header configured in RevenueCat: checked before the body is read. */
const revenueCatAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.var.config.revenuecat.webhookAuth;
  if (!expected) {
    throw new ApiError('SERVICE_UNAVAILABLE', 'The RevenueCat webhook is not configured (REVENUECAT_WEBHOOK_AUTH).');
  }
  if (!(await timingSafeEqual(c.req.header('authorization') ?? '', expected))) {
    throw refused(
      c,
      'revenuecat',
      'bad authorization',
      new ApiError('UNAUTHORIZED', 'The Authorization header does not match the configured webhook secret.'),
    );
  }
  await next();
};

const route = createRoute({
  method: 'post',
  path: '/revenuecat',
  tags: ['store webhooks'],
  summary: 'RevenueCat webhook (Authorization header as configured in RevenueCat)',
  middleware: [revenueCatAuth] as const,
  request: { body: jsonBody(Body) },
  responses: {
    200: jsonContent(Reply, 'Processed, ignored, stale or duplicate'),
    ...errorResponses(400, 401, 422, 429, 500, 503),
  },
});

const STORES: Record<string, Store> = { APP_STORE: 'app_store', MAC_APP_STORE: 'app_store', PLAY_STORE: 'play_store' };
const ms = (v: number | null | undefined) => (v ? new Date(v) : null);

/** What one RevenueCat event does to our state. */
async function applyEvent(tx: Tx, e: RcEvent, userId: string): Promise<{ outcome: InboxOutcome; reason?: string }> {
  const eventAt = new Date(e.event_timestamp_ms);
  if (e.type === 'TRANSFER') {
    const to = await resolveUser(tx, e.transferred_to ?? []);
    const from = await resolveUser(tx, e.transferred_from ?? []);
    if (!to || !from) return { outcome: 'ignored', reason: 'transfer between users we do not know' };
    const moved = await transferSubscriptions(tx, 'revenuecat', from, to, eventAt);
    return { outcome: 'processed', reason: `${moved} subscription(s) moved` };
  }
  const store = STORES[e.store ?? ''];
  if (!store) return { outcome: 'ignored', reason: `store ${e.store} is not sold through` };
  const product = e.product_id ? await productFor(tx, store, e.product_id) : undefined;
  if (!product) return { outcome: 'ignored', reason: `unknown product ${e.product_id}` };
  const original = e.original_transaction_id ?? e.transaction_id ?? '';
  const sub = (
    status: 'active' | 'cancelled' | 'expired' | 'billing_issue',
    willRenew: boolean,
    extra: { grant?: boolean; end?: Date | null } = {},
  ) =>
    applySubscription(tx, {
      userId,
      productId: product.id,
      store,
      source: 'revenuecat',
      originalTransactionId: original,
      eventAt,
      status,
      willRenew,
      periodStart: ms(e.purchased_at_ms),
      periodEnd: extra.end !== undefined ? extra.end : ms(e.expiration_at_ms),
      grantPeriod: extra.grant,
    }).then((r) => ({ outcome: r === 'stale' ? ('stale' as const) : ('processed' as const) }));

  if (product.kind !== 'subscription') {
    // Point and coin packs: NON_RENEWING_PURCHASE credits, a CANCELLATION (refund) takes back.
    if (e.type === 'NON_RENEWING_PURCHASE' || e.type === 'INITIAL_PURCHASE') {
      await applyPurchase(tx, {
        userId,
        productId: product.id,
        store,
        transactionId: e.transaction_id ?? original,
        purchasedAt: ms(e.purchased_at_ms) ?? eventAt,
        price: e.price,
        priceCurrency: e.currency,
      });
      return { outcome: 'processed' };
    }
    if (e.type === 'CANCELLATION') {
      await applyRefund(tx, store, e.transaction_id ?? original, eventAt);
      return { outcome: 'processed', reason: 'refund' };
    }
    return { outcome: 'ignored', reason: `${e.type} does not apply to packs` };
  }

  switch (e.type) {
    case 'INITIAL_PURCHASE':
      return sub('active', true, { grant: true });
    case 'NON_RENEWING_PURCHASE':
      return sub('active', false, { grant: true, end: product.plan === 'lifetime' ? null : ms(e.expiration_at_ms) });
    case 'RENEWAL':
    case 'UNCANCELLATION':
    case 'SUBSCRIPTION_EXTENDED':
      return sub('active', true);
    case 'CANCELLATION':
      // CUSTOMER_SUPPORT is RevenueCat's reason for a refund: access ends now.
      return e.cancel_reason === 'CUSTOMER_SUPPORT' ? sub('expired', false, { end: eventAt }) : sub('cancelled', false);
    case 'EXPIRATION':
      return sub('expired', false);
    case 'BILLING_ISSUE':
      return sub('billing_issue', true);
    case 'SUBSCRIPTION_PAUSED':
      // RevenueCat: keep access until the EXPIRATION that follows; the subscription will not renew.
      return sub('active', false);
    case 'PRODUCT_CHANGE':
      // The new product takes effect at the next renewal, which arrives as its own event.
      return { outcome: 'ignored', reason: 'product change takes effect at renewal' };
    default:
      return { outcome: 'ignored', reason: `event type ${e.type} needs no action` };
  }
}

export function registerRevenueCatHook(app: HoutaiApp) {
  app.openapi(
    route,
    async (c) => {
      const db = c.var.db;
      const e = c.req.valid('json').event;
      if (e.type === 'TEST') return c.json({ status: 'ignored' }, 200);

      const result = await db.asService(async (tx) => {
        const userId = await resolveUser(tx, [
          e.app_user_id,
          e.original_app_user_id,
          ...(e.aliases ?? []),
          ...(e.transferred_to ?? []),
        ]);
        if (!userId) {
          await recordRejected(tx, 'revenuecat', 'unknown app user', {
            event_id: e.id,
            event_type: e.type,
            app_user_id: e.app_user_id ?? null,
          });
          return undefined;
        }
        return receiveOnce(tx, 'revenuecat', e.id, e.type, e, () => applyEvent(tx, e, userId));
      });
      if (!result) {
        // Not a 200: RevenueCat retries, and the event applies once the user exists.
        throw new ApiError('BUSINESS_RULE_VIOLATION', "The event's app user is not one of our users.", [{
          code: 'unknown_app_user',
          message: e.app_user_id ?? '',
        }]);
      }
      return c.json({ status: result }, 200);
    },
    // An authenticated delivery we cannot read is kept as rejected: RevenueCat sent it, and support may ask.
    (result, c) => {
      if (result.success) return undefined;
      return c.var.db.asService((tx) => recordRejected(tx, 'revenuecat', 'malformed event', {})).then((): never => {
        throw validationFailed(result.error, 'json', 'Not a RevenueCat webhook event, or values out of range.');
      });
    },
  );
}
