// Store purchases applied to orders, subscriptions and the ledger: the TypeScript side of the commerce SQL
// functions, shared by the RevenueCat, Apple and Google integrations. All calls run in the caller's
// service-role transaction, together with the webhook inbox row.
import type { Tx } from '../_shared/db.ts';
import type { Tables } from '../_shared/database.types.ts';

export type Store = 'app_store' | 'play_store';
export type Source = 'revenuecat' | 'apple' | 'google';
export type SubscriptionStatus = 'active' | 'cancelled' | 'expired' | 'billing_issue' | 'paused';
export type Product = Tables<'products'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The first candidate that is one of our users (apps use the Supabase user id as the store's app user id). */
export async function resolveUser(tx: Tx, candidates: Array<string | null | undefined>): Promise<string | undefined> {
  const ids = [...new Set(candidates.filter((c): c is string => !!c && UUID.test(c)))];
  if (ids.length === 0) return undefined;
  const rows = await tx<
    { id: string }[]
  >`select id from auth.users where id = any(${ids}::uuid[]) and deleted_at is null`;
  const known = new Set(rows.map((r) => r.id));
  return ids.find((id) => known.has(id));
}

export async function productFor(tx: Tx, store: Store, storeProductId: string): Promise<Product | undefined> {
  const [p] = await tx<
    Product[]
  >`select * from public.product_for_store(${store}, ${storeProductId}) where id is not null`;
  return p;
}

export interface SubscriptionState {
  userId: string;
  productId: string;
  store: Store;
  source: Source;
  originalTransactionId: string;
  eventAt: Date;
  status: SubscriptionStatus;
  willRenew: boolean;
  periodStart?: Date | null;
  periodEnd?: Date | null;
  /** A new purchase: grant the current period's points (weekly VIP). */
  grantPeriod?: boolean;
}

export async function applySubscription(tx: Tx, s: SubscriptionState): Promise<'applied' | 'stale'> {
  const [row] = await tx<[{ r: { result: 'applied' | 'stale' } }]>`
    select public.commerce_apply_subscription(${s.userId}, ${s.productId}, ${s.store}, ${s.source},
      ${s.originalTransactionId}, ${s.eventAt}, ${s.status}, ${s.willRenew}, ${s.periodStart ?? null},
      ${s.periodEnd ?? null}, ${s.grantPeriod ?? false}) as r`;
  return row.r.result;
}

export interface Purchase {
  userId: string;
  productId: string;
  store: Store;
  transactionId: string;
  purchasedAt: Date;
  price?: number | null;
  priceCurrency?: string | null;
  orderId?: string | null;
  quantity?: number;
}

export async function applyPurchase(tx: Tx, p: Purchase): Promise<Tables<'orders'>> {
  const [order] = await tx<Tables<'orders'>[]>`
    select * from public.commerce_apply_purchase(${p.userId}, ${p.productId}, ${p.store}, ${p.transactionId},
      ${p.purchasedAt}, ${p.price ?? null}, ${p.priceCurrency ?? null},
      ${p.orderId && UUID.test(p.orderId) ? p.orderId : null}, ${p.quantity ?? 1})`;
  return order;
}

export async function applyRefund(tx: Tx, store: Store, transactionId: string, at: Date) {
  await tx`select public.commerce_apply_refund(${store}, ${transactionId}, ${at})`;
}

export async function transferSubscriptions(
  tx: Tx,
  source: Source,
  fromUser: string,
  toUser: string,
  at: Date,
): Promise<number> {
  const [row] = await tx<
    [{ n: number }]
  >`select public.commerce_transfer_subscriptions(${source}, ${fromUser}, ${toUser}, ${at}) as n`;
  return row.n;
}

// ---- the webhook inbox ------------------------------------------------------------------------------------

export type InboxOutcome = 'processed' | 'ignored' | 'stale';

/**
 * Records the event and runs `apply` in the same transaction, once per provider event id: a replay returns
 * 'duplicate' and changes nothing; a failure rolls both back so the provider's retry is processed afresh.
 */
export async function receiveOnce(
  tx: Tx,
  provider: Source,
  eventId: string,
  eventType: string,
  payload: unknown,
  apply: () => Promise<{ outcome: InboxOutcome; reason?: string; acknowledgementOwed?: boolean }>,
): Promise<InboxOutcome | 'duplicate'> {
  const [row] = await tx<{ id: number }[]>`
    insert into internal.webhook_events (provider, event_id, event_type, status, payload)
    values (${provider}, ${eventId}, ${eventType}, 'received', ${tx.json(payload as never)})
    on conflict (provider, event_id) do nothing
    returning id`;
  if (!row) return 'duplicate';
  const { outcome, reason, acknowledgementOwed = false } = await apply();
  await tx`update internal.webhook_events
           set status = ${outcome}, reason = ${
    reason ?? null
  }, processed_at = now(), acknowledgement_owed = ${acknowledgementOwed}
           where id = ${row.id}`;
  return outcome;
}

/**
 * Takes the store acknowledgement an event still owes, if any: true for exactly one caller, who then makes it (outside
 * any transaction) and gives it back with `oweAcknowledgement` when the call fails, for the next redelivery to make.
 */
export async function claimAcknowledgement(tx: Tx, provider: Source, eventId: string): Promise<boolean> {
  const claimed = await tx`
    update internal.webhook_events set acknowledgement_owed = false
     where provider = ${provider} and event_id = ${eventId} and acknowledgement_owed
    returning id`;
  return claimed.length > 0;
}

export async function oweAcknowledgement(tx: Tx, provider: Source, eventId: string) {
  await tx`
    update internal.webhook_events set acknowledgement_owed = true
     where provider = ${provider} and event_id = ${eventId}`;
}

/**
 * Keeps an authenticated delivery we could not apply (malformed, unknown user or package) for the record, without
 * an event id: a later valid delivery must still be processed. Unauthenticated ones are only logged: a row per
 * forgery would let anyone grow the table.
 */
export async function recordRejected(tx: Tx, provider: Source, reason: string, details: Record<string, unknown>) {
  await tx`insert into internal.webhook_events (provider, event_id, event_type, status, reason, payload)
           values (${provider}, null, ${String(details.event_type ?? '') || null}, 'rejected', ${reason}, ${
    tx.json(details as never)
  })`;
}
