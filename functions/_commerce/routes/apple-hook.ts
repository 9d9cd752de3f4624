// POST /hooks/apple — App Store Server Notifications V2. The signedPayload and the transaction and renewal it
// carries are verified against the configured root; events dedupe by notificationUUID and apply by signedDate.
import { createRoute, z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { errorResponses, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { ApiError } from '../../_shared/errors.ts';
import { type InboxOutcome, receiveOnce, recordRejected } from '../commerce.ts';
import { type AppleChange, appleUser, applyAppleTransaction } from '../apple-purchases.ts';
import { type AppleNotification, type AppStore, AppStoreVerificationError } from '../../_shared/providers/app-store.ts';
import { refused } from '../../_shared/http/refused.ts';

const route = createRoute({
  method: 'post',
  path: '/apple',
  tags: ['store webhooks'],
  summary: 'App Store Server Notifications V2 (signedPayload, verified to the Apple root)',
  request: { body: jsonBody(z.object({ signedPayload: z.string().min(1) }).openapi('AppleNotificationBody')) },
  responses: {
    200: jsonContent(z.object({ status: z.string() }), 'Processed, ignored, stale or duplicate'),
    ...errorResponses(400, 401, 422, 429, 503),
  },
});

/** What each notification type means for the subscription, beyond what the transaction itself says. */
function changeFor(
  n: AppleNotification,
  eventAt: Date,
  gracePeriodEnd: Date | null,
): AppleChange | 'refund' | undefined {
  switch (n.notificationType) {
    case 'SUBSCRIBED':
      return { eventAt, status: 'active', isNewPurchase: n.subtype === 'INITIAL_BUY' };
    case 'DID_RENEW':
      return { eventAt, status: 'active' };
    case 'DID_CHANGE_RENEWAL_STATUS':
      return n.subtype === 'AUTO_RENEW_DISABLED'
        ? { eventAt, status: 'cancelled', willRenew: false }
        : { eventAt, status: 'active', willRenew: true };
    case 'DID_FAIL_TO_RENEW':
      // In a billing grace period the user keeps access until it ends.
      return { eventAt, status: 'billing_issue', ...(gracePeriodEnd ? { periodEnd: gracePeriodEnd } : {}) };
    case 'EXPIRED':
      return { eventAt, status: 'expired', willRenew: false };
    case 'REFUND':
      return 'refund';
    case 'ONE_TIME_CHARGE':
      return { eventAt, isNewPurchase: true };
    default:
      return undefined;
  }
}

export function registerAppleHook(app: HoutaiApp, appStore: () => AppStore | undefined) {
  app.openapi(route, async (c) => {
    const store = appStore();
    if (!store) {
      throw new ApiError(
        'SERVICE_UNAVAILABLE',
        'App Store verification is not configured (APPLE_ROOT_CERTIFICATES, APPLE_APPS).',
      );
    }
    const { signedPayload } = c.req.valid('json');
    const db = c.var.db;
    let verified;
    try {
      verified = await store.verifyNotification(signedPayload);
    } catch (err) {
      if (!(err instanceof AppStoreVerificationError)) throw err;
      throw refused(
        c,
        'apple',
        err.message,
        new ApiError('INVALID_SIGNATURE', 'The notification is not signed by the App Store.'),
      );
    }
    const { notification: n, transaction: t, renewal } = verified;
    const eventAt = new Date(n.signedDate ?? Date.now());
    const eventId = n.notificationUUID ?? '';

    const result = await db.asService(async (tx) => {
      const userId = t ? await appleUser(tx, t) : undefined;
      if (t && !userId) {
        await recordRejected(tx, 'apple', 'unknown app user', {
          event_id: eventId,
          event_type: n.notificationType,
          original_transaction_id: t.originalTransactionId,
        });
        return undefined;
      }
      return receiveOnce(tx, 'apple', eventId, `${n.notificationType}${n.subtype ? `/${n.subtype}` : ''}`, {
        notificationType: n.notificationType,
        subtype: n.subtype,
        transactionId: t?.transactionId,
      }, async (): Promise<{ outcome: InboxOutcome; reason?: string }> => {
        if (!t || !userId) return { outcome: 'ignored', reason: 'no transaction in the notification' };
        const change = changeFor(
          n,
          eventAt,
          renewal?.gracePeriodExpiresDate ? new Date(renewal.gracePeriodExpiresDate) : null,
        );
        if (change === undefined) return { outcome: 'ignored', reason: `${n.notificationType} needs no action` };
        // A refund notification carries the revoked transaction: applying it reverses what it granted.
        return await applyAppleTransaction(tx, userId, t, renewal, change === 'refund' ? { eventAt } : change);
      });
    });
    if (!result) {
      throw new ApiError('BUSINESS_RULE_VIOLATION', 'The transaction does not belong to one of our users.', [{
        code: 'unknown_app_user',
        message: 'set appAccountToken to the user id',
      }]);
    }
    return c.json({ status: result }, 200);
  });
}
