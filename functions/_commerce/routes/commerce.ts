// Products, orders and subscription state for the apps. Payment itself happens in the stores; their
// confirmations arrive through functions/hooks and POST /{app}/purchases/verify.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { PageQuery } from '../../_shared/pagination.ts';
import {
  createOrder,
  getOrder,
  IdempotencyHeader,
  listOrders,
  NewOrder,
  Order,
  OrderPage,
  readSubscriptionState,
  SubscriptionState,
} from '../commerce-reads.ts';

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
  summary: "One of the caller's orders",
  request: { params: AppParam.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 200: jsonContent(Order, 'The order') },
});

const listOrdersRoute = userRoute({
  method: 'get',
  path: '/{app}/orders',
  tags: ['commerce'],
  summary: "The caller's orders in this app, newest first",
  request: { params: AppParam, query: PageQuery },
  responses: { 200: jsonContent(OrderPage, 'One page') },
});

const subscriptionRoute = userRoute({
  method: 'get',
  path: '/{app}/subscription',
  tags: ['commerce'],
  summary: "The caller's VIP state in this app and the subscriptions behind it",
  request: { params: AppParam },
  responses: { 200: jsonContent(SubscriptionState, 'Subscription state') },
});

export function registerCommerceRoutes(app: HoutaiApp) {
  app.openapi(productsRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const rows = await c.var.db.asUser(currentUser(c), (tx) =>
      tx<z.infer<typeof Product>[]>`
      select id, kind, plan, currency, grant_amount, app_store_product_id, play_store_product_id, title, price_hint
        from public.products where app_id = ${appId} order by kind, grant_amount, id`);
    return c.json({ items: [...rows] }, 200);
  });

  app.openapi(createOrderRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const { product_id, quantity } = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'] ?? null;
    return c.json(
      await c.var.db.asUser(currentUser(c), (tx) => createOrder(tx, appId, product_id, quantity, key)),
      201,
    );
  });

  app.openapi(getOrderRoute, async (c) => {
    const { app: appId, id } = c.req.valid('param');
    return c.json(await c.var.db.asUser(currentUser(c), (tx) => getOrder(tx, appId, id)), 200);
  });

  app.openapi(listOrdersRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    return c.json(await c.var.db.asUser(currentUser(c), (tx) => listOrders(tx, appId, c.req.valid('query'))), 200);
  });

  app.openapi(subscriptionRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    return c.json(await c.var.db.asUser(currentUser(c), (tx) => readSubscriptionState(tx, appId)), 200);
  });
}
