// What a verified App Store transaction does to orders, subscriptions and the ledger: shared by the App Store
// Server Notifications webhook and the app's own StoreKit 2 verification route.
import type { Tx } from '../_shared/db.ts';
import {
  applyPurchase,
  applyRefund,
  applySubscription,
  type InboxOutcome,
  productFor,
  resolveUser,
  type SubscriptionStatus,
} from './commerce.ts';
import type { AppleRenewal, AppleTransaction } from '../_shared/providers/app-store.ts';

const date = (ms: number | undefined | null) => (ms ? new Date(ms) : null);

/** Our user for a transaction: the appAccountToken the app set (our user id), else whoever already owns it. */
export async function appleUser(tx: Tx, t: AppleTransaction): Promise<string | undefined> {
  const byToken = await resolveUser(tx, [t.appAccountToken]);
  if (byToken) return byToken;
  const [owner] = await tx<{ user_id: string }[]>`
    select user_id from public.subscriptions where store = 'app_store' and original_transaction_id = ${
    t.originalTransactionId ?? ''
  }
    union all
    select user_id from public.orders where store = 'app_store' and store_transaction_id = ${t.transactionId ?? ''}
    limit 1`;
  return owner?.user_id;
}

export interface AppleChange {
  eventAt: Date;
  /** Overrides derived from the notification type; by default the transaction's own dates decide. */
  status?: SubscriptionStatus;
  willRenew?: boolean;
  periodEnd?: Date | null;
  /** A first purchase: grant the current period's points. */
  isNewPurchase?: boolean;
  orderId?: string | null;
}

export async function applyAppleTransaction(
  tx: Tx,
  userId: string,
  t: AppleTransaction,
  renewal: AppleRenewal | undefined,
  change: AppleChange,
): Promise<{ outcome: InboxOutcome; reason?: string }> {
  const product = t.productId ? await productFor(tx, 'app_store', t.productId) : undefined;
  if (!product) return { outcome: 'ignored', reason: `unknown product ${t.productId}` };
  const transactionId = t.transactionId ?? '';

  if (product.kind !== 'subscription') {
    if (t.revocationDate) {
      await applyRefund(tx, 'app_store', transactionId, new Date(t.revocationDate));
      return { outcome: 'processed', reason: 'refund' };
    }
    await applyPurchase(tx, {
      userId,
      productId: product.id,
      store: 'app_store',
      transactionId,
      purchasedAt: date(t.purchaseDate) ?? change.eventAt,
      price: t.price !== undefined ? t.price / 1000 : null,
      priceCurrency: t.currency ?? null,
      orderId: change.orderId,
      quantity: t.quantity ?? 1,
    });
    return { outcome: 'processed' };
  }

  const lifetime = product.plan === 'lifetime';
  const revoked = date(t.revocationDate);
  const expires = lifetime ? null : (change.periodEnd !== undefined ? change.periodEnd : date(t.expiresDate));
  const status: SubscriptionStatus = revoked
    ? 'expired'
    : (change.status ?? (lifetime || (expires && expires > new Date()) ? 'active' : 'expired'));
  const willRenew = revoked || lifetime
    ? false
    : (change.willRenew ?? (renewal ? renewal.autoRenewStatus === 1 : true));
  const result = await applySubscription(tx, {
    userId,
    productId: product.id,
    store: 'app_store',
    source: 'apple',
    originalTransactionId: t.originalTransactionId ?? transactionId,
    eventAt: change.eventAt,
    status,
    willRenew,
    periodStart: date(t.purchaseDate),
    periodEnd: revoked ?? expires,
    grantPeriod: change.isNewPurchase,
  });
  return { outcome: result === 'stale' ? 'stale' : 'processed' };
}
