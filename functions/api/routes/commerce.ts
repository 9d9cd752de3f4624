// Products, orders and subscription state for the apps. Payment itself happens in the stores; their
// confirmations arrive through functions/hooks and POST /{app}/purchases/verify.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import { decodeCursor, page, PageQuery } from '../../_shared/pagination.ts';
import type { Tables } from '../../_shared/database.types.ts';

const Product = z
  .object({
    id: z.string(),
    kind: z.enum(['subscription', 'points_pack', 'coins_pack']),
    plan: z.enum(['weekly', 'monthly', 'yearly', 'lifetime']).nullable(),
    currency: z.string().nullable(),
    grant_amount: z.number().int(),
    app_store_product_id: z.string().nullable(),
    play_store_product_id: z.string().nullable(),
    title: z.string(),
    price_hint: z.string().nullable(),
  })
  .openapi('Product');

const Order = z
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

const Subscription = z
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

const SubscriptionState = z
  .object({
    is_vip: z.boolean(),
    plan: z.string().nullable(),
    expires_at: z.string().nullable().openapi({ description: 'When VIP ends; null for lifetime or when not VIP' }),
    will_renew: z.boolean(),
    subscriptions: z.array(Subscription),
  })
  .openapi('SubscriptionState');

const NewOrder = z
  .object({ product_id: z.string().min(3).max(64), quantity: z.number().int().min(1).max(100).default(1) })
  .strict()
  .openapi('NewOrder');

const IdempotencyHeader = z.object({
  'idempotency-key': z.string().min(1).max(200).optional().openapi({ description: 'Repeat the request with the same key to get the same order' }),
});

const productsRoute = userRoute({
  method: 'get',
  path: '/{app}/products',
  tags: ['commerce'],
  summary: 'What this app sells (store product ids to hand to StoreKit / Play Billing)',
  request: { params: AppParam },
  responses: { 200: jsonContent(z.object({ items: z.array(Product) }), 'Active products') },
});

const createOrderRoute = userRoute({
  method: 'post',
  path: '/{app}/orders',
  tags: ['commerce'],
  summary: 'Create a pending order before paying; pass its id to the store (appAccountToken / obfuscatedAccountId)',
  request: { params: AppParam, headers: IdempotencyHeader, body: jsonBody(NewOrder) },
  responses: { 201: jsonContent(Order, 'Pending order') },
});

const getOrderRoute = userRoute({
  method: 'get',
  path: '/{app}/orders/{id}',
  tags: ['commerce'],
  summary: 'One of the caller\'s orders',
  request: { params: AppParam.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 200: jsonContent(Order, 'The order') },
});

const listOrdersRoute = userRoute({
  method: 'get',
  path: '/{app}/orders',
  tags: ['commerce'],
  summary: 'The caller\'s orders in this app, newest first',
  request: { params: AppParam, query: PageQuery },
  responses: { 200: jsonContent(z.object({ items: z.array(Order), next_cursor: z.string().nullable() }), 'One page') },
});

const subscriptionRoute = userRoute({
  method: 'get',
  path: '/{app}/subscription',
  tags: ['commerce'],
  summary: 'The caller\'s VIP state in this app and the subscriptions behind it',
  request: { params: AppParam },
  responses: { 200: jsonContent(SubscriptionState, 'Subscription state') },
});

type OrderRow = Tables<'orders'>;
const orderOut = (o: OrderRow): z.infer<typeof Order> => ({
  id: o.id, product_id: o.product_id, status: o.status as z.infer<typeof Order>['status'], store: o.store as z.infer<typeof Order>['store'],
  quantity: o.quantity, price: o.price === null ? null : String(o.price), price_currency: o.price_currency, granted_amount: o.granted_amount,
  created_at: o.created_at, paid_at: o.paid_at, refunded_at: o.refunded_at,
});

const Cursor = z.object({ created_at: z.string(), id: z.uuid() });

export function registerCommerceRoutes(app: HoutaiApp) {
  app.openapi(productsRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const rows = await c.var.db.withUser(currentUser(c), (tx) => tx<z.infer<typeof Product>[]>`
      select id, kind, plan, currency, grant_amount, app_store_product_id, play_store_product_id, title, price_hint
        from public.products where app_id = ${appId} order by kind, grant_amount, id`);
    return c.json({ items: [...rows] }, 200);
  });

  app.openapi(createOrderRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const { product_id, quantity } = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'] ?? null;
    const [order] = await c.var.db.withUser(currentUser(c), (tx) => tx<OrderRow[]>`
      select * from public.create_order(${appId}, ${product_id}, ${quantity}, ${key})`);
    return c.json(orderOut(order), 201);
  });

  app.openapi(getOrderRoute, async (c) => {
    const { app: appId, id } = c.req.valid('param');
    const [order] = await c.var.db.withUser(currentUser(c), (tx) => tx<OrderRow[]>`
      select * from public.orders where id = ${id} and app_id = ${appId}`);
    if (!order) throw new ApiError('NOT_FOUND', 'No such order.');
    return c.json(orderOut(order), 200);
  });

  app.openapi(listOrdersRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor, Cursor);
    const rows = await c.var.db.withUser(currentUser(c), (tx) => tx<OrderRow[]>`
      select * from public.orders
       where app_id = ${appId} ${after ? tx`and (created_at, id) < (${after.created_at}::timestamptz, ${after.id}::uuid)` : tx``}
       order by created_at desc, id desc limit ${limit + 1}`);
    const { items, next_cursor } = page(rows, limit, (last) => ({ created_at: last.created_at, id: last.id }));
    return c.json({ items: items.map(orderOut), next_cursor }, 200);
  });

  app.openapi(subscriptionRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const { entitlement, subscriptions } = await c.var.db.withUser(currentUser(c), async (tx) => {
      const [entitlement] = await tx<Tables<'entitlements'>[]>`select * from public.entitlements where app_id = ${appId}`;
      const subscriptions = await tx<z.infer<typeof Subscription>[]>`
        select id, product_id, plan, status, will_renew, current_period_start, current_period_end, store
          from public.subscriptions where app_id = ${appId} order by coalesce(current_period_end, 'infinity') desc`;
      return { entitlement, subscriptions };
    });
    return c.json({
      is_vip: !!entitlement?.is_vip,
      plan: entitlement?.plan ?? null,
      expires_at: entitlement?.expires_at ?? null,
      will_renew: !!entitlement?.will_renew,
      subscriptions: [...subscriptions],
    }, 200);
  });
}
