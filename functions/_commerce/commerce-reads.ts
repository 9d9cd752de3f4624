// What the apps read and start of their commerce state, as the caller (RLS): orders before payment, the
// subscription state behind VIP. Shared by the generic routes and the apps' own names for them.
import { z } from '@hono/zod-openapi';
import type { AppId } from '../_shared/apps.ts';
import type { Tx } from '../_shared/db.ts';
import type { Tables } from '../_shared/database.types.ts';
import { ApiError } from '../_shared/errors.ts';
import { decodeCursor, page } from '../_shared/pagination.ts';

export const Order = z
  .object({
    id: z.uuid(),
    product_id: z.string(),
    status: z.enum(['pending', 'paid', 'failed', 'refunded']),
    store: z.enum(['app_store', 'play_store']).nullable(),
    quantity: z.number().int(),
    price: z.string().nullable(),
    price_currency: z.string().nullable(),
    granted_amount: z.number().int(),
    created_at: z.string(),
    paid_at: z.string().nullable(),
    refunded_at: z.string().nullable(),
  })
  .openapi('Order');

export const OrderPage = z.object({ items: z.array(Order), next_cursor: z.string().nullable() });

export const Subscription = z
  .object({
    id: z.uuid(),
    product_id: z.string(),
    plan: z.string(),
    status: z.enum(['active', 'cancelled', 'expired', 'billing_issue', 'paused']),
    will_renew: z.boolean(),
    current_period_start: z.string().nullable(),
    current_period_end: z.string().nullable(),
    store: z.enum(['app_store', 'play_store']),
  })
  .openapi('Subscription');

export const SubscriptionState = z
  .object({
    is_vip: z.boolean(),
    plan: z.string().nullable(),
    expires_at: z.string().nullable().openapi({ description: 'When VIP ends; null for lifetime or when not VIP' }),
    will_renew: z.boolean(),
    subscriptions: z.array(Subscription),
  })
  .openapi('SubscriptionState');

export const NewOrder = z
  .object({ product_id: z.string().min(3).max(64), quantity: z.number().int().min(1).max(100).default(1) })
  .strict()
  .openapi('NewOrder');

export const IdempotencyHeader = z.object({
  'idempotency-key': z.string().min(1).max(200).optional().openapi({
    description:
      'Repeat the request with the same key, even while the first is still running, to get the same answer (the same ' +
      'order or task); the same key with another request is 409 IDEMPOTENCY_CONFLICT',
  }),
});

type OrderRow = Tables<'orders'>;
const orderOut = (o: OrderRow): z.infer<typeof Order> => ({
  id: o.id,
  product_id: o.product_id,
  status: o.status as z.infer<typeof Order>['status'],
  store: o.store as z.infer<typeof Order>['store'],
  quantity: o.quantity,
  price: o.price === null ? null : String(o.price),
  price_currency: o.price_currency,
  granted_amount: o.granted_amount,
  created_at: o.created_at,
  paid_at: o.paid_at,
  refunded_at: o.refunded_at,
});

export async function createOrder(
  tx: Tx,
  appId: AppId,
  productId: string,
  quantity: number,
  idempotencyKey: string | null,
) {
  const [order] = await tx<
    OrderRow[]
  >`select * from public.create_order(${appId}, ${productId}, ${quantity}, ${idempotencyKey})`;
  return orderOut(order);
}

export async function getOrder(tx: Tx, appId: AppId, id: string) {
  const [order] = await tx<OrderRow[]>`select * from public.orders where id = ${id} and app_id = ${appId}`;
  if (!order) throw new ApiError('NOT_FOUND', 'No such order.');
  return orderOut(order);
}

const Cursor = z.object({ created_at: z.string(), id: z.uuid() });

export async function listOrders(
  tx: Tx,
  appId: AppId,
  q: { limit: number; cursor?: string },
): Promise<z.infer<typeof OrderPage>> {
  const after = decodeCursor(q.cursor, Cursor);
  const rows = await tx<OrderRow[]>`
    select * from public.orders
     where app_id = ${appId} ${
    after ? tx`and (created_at, id) < (${after.created_at}::timestamptz, ${after.id}::uuid)` : tx``
  }
     order by created_at desc, id desc limit ${q.limit + 1}`;
  const { items, next_cursor } = page(rows, q.limit, (last) => ({ created_at: last.created_at, id: last.id }));
  return { items: items.map(orderOut), next_cursor };
}

/** The caller's VIP entitlement in the app, if any (public.entitlements). */
export async function readEntitlement(tx: Tx, appId: AppId): Promise<Tables<'entitlements'> | undefined> {
  const [entitlement] = await tx<Tables<'entitlements'>[]>`select * from public.entitlements where app_id = ${appId}`;
  return entitlement;
}

export async function readSubscriptionState(tx: Tx, appId: AppId): Promise<z.infer<typeof SubscriptionState>> {
  const entitlement = await readEntitlement(tx, appId);
  const subscriptions = await tx<z.infer<typeof Subscription>[]>`
    select id, product_id, plan, status, will_renew, current_period_start, current_period_end, store
      from public.subscriptions where app_id = ${appId} order by coalesce(current_period_end, 'infinity') desc`;
  return {
    is_vip: !!entitlement?.is_vip,
    plan: entitlement?.plan ?? null,
    expires_at: entitlement?.expires_at ?? null,
    will_renew: !!entitlement?.will_renew,
    subscriptions: [...subscriptions],
  };
}
