// POST /{app}/purchases/verify — the app hands over a StoreKit 2 signed transaction right after purchase, so
// points and VIP arrive without waiting for the store's notification. Verified like the notifications;
// idempotent by transaction id (the notification arriving later changes nothing more).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, errorContent, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import { applyAppleTransaction } from '../apple-purchases.ts';
import { type AppStore, AppStoreVerificationError } from '../../_shared/providers/app-store.ts';

const VerifyRequest = z
  .object({
    store: z.literal('app_store'),
    signed_transaction: z.string().min(20).max(20_000).openapi({
      description: 'Transaction.jwsRepresentation from StoreKit 2',
    }),
    order_id: z.uuid().optional().openapi({ description: 'The pending order this pays, if the app created one' }),
  })
  .strict()
  .openapi('PurchaseVerification');

const VerifyResult = z
  .object({
    transaction_id: z.string(),
    product_id: z.string(),
    outcome: z.enum(['processed', 'ignored', 'stale']),
  })
  .openapi('PurchaseVerified');

const route = userRoute({
  method: 'post',
  path: '/{app}/purchases/verify',
  tags: ['commerce'],
  summary: 'Verify a StoreKit 2 purchase and grant what it bought (once per transaction)',
  request: { params: AppParam, body: jsonBody(VerifyRequest) },
  responses: {
    200: jsonContent(VerifyResult, 'Verified and applied'),
    403: errorContent('The transaction belongs to another account'),
  },
});

export function registerPurchaseRoutes(app: HoutaiApp, appStore: () => AppStore | undefined) {
  app.openapi(route, async (c) => {
    const { app: appId } = c.req.valid('param');
    const body = c.req.valid('json');
    const store = appStore();
    if (!store) throw new ApiError('SERVICE_UNAVAILABLE', 'App Store verification is not configured.');
    let t;
    try {
      t = await store.verifyTransaction(appId, body.signed_transaction);
    } catch (err) {
      if (err instanceof AppStoreVerificationError) {
        throw new ApiError('INVALID_SIGNATURE', 'The transaction is not signed by the App Store for this app.');
      }
      throw err;
    }
    const user = currentUser(c);
    // The app sets appAccountToken to the signed-in user's id at purchase; another user's purchase stays theirs.
    if (t.appAccountToken && t.appAccountToken.toLowerCase() !== user.sub.toLowerCase()) {
      throw new ApiError('FORBIDDEN', 'This purchase was made by another account.');
    }
    if (t.revocationDate) throw new ApiError('BUSINESS_RULE_VIOLATION', 'This purchase was refunded.');
    const result = await c.var.db.asService((tx) =>
      applyAppleTransaction(tx, user.sub, t, undefined, {
        eventAt: new Date(t.signedDate ?? Date.now()),
        isNewPurchase: true,
        orderId: body.order_id,
      })
    );
    return c.json(
      { transaction_id: t.transactionId ?? '', product_id: t.productId ?? '', outcome: result.outcome },
      200,
    );
  });
}
