// PicKitchen's names for the account (docs/apps/pickitchen.md): profile with VIP state and points, point balance
// and history, subscription status, point-pack orders. Thin: the reads are the shared wallet and commerce ones.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import type { Tx } from '../../_shared/db.ts';
import { PageQuery } from '../../_shared/pagination.ts';
import { listTransactions, readBalance, TransactionPage } from '../../_wallet/wallet-reads.ts';
import {
  createOrder,
  getOrder,
  IdempotencyHeader,
  listOrders,
  NewOrder,
  Order,
  OrderPage,
  readEntitlement,
  readSubscriptionState,
  SubscriptionState,
} from '../../_commerce/commerce-reads.ts';

const APP = 'pickitchen';
const tags = ['pickitchen'];

const Profile = z
  .object({
    id: z.uuid(),
    nickname: z.string().nullable(),
    is_vip: z.boolean(),
    vip_type: z.enum(['weekly', 'lifetime']).nullable(),
    vip_expire_time: z.string().nullable().openapi({ description: 'When VIP ends; null for lifetime or when not VIP' }),
    points: z.number().int(),
    created_at: z.string(),
  })
  .openapi('PicKitchenProfile');

const ProfileUpdate = z.object({ nickname: z.string().trim().min(1).max(64) }).strict().openapi(
  'PicKitchenProfileUpdate',
);

const pointBalance = (tx: Tx) => readBalance(tx, APP, 'points');

async function readProfile(tx: Tx): Promise<z.infer<typeof Profile>> {
  const [profile] = await tx<{ id: string; display_name: string | null; created_at: string }[]>`
    select id, display_name, created_at from public.profiles where id = (select auth.uid())`;
  if (!profile) throw new ApiError('NOT_FOUND', 'This user has no profile.');
  // The entitlement alone: the profile does not list the subscriptions behind it.
  const vip = await readEntitlement(tx, APP);
  return {
    id: profile.id,
    nickname: profile.display_name,
    is_vip: !!vip?.is_vip,
    vip_type: vip?.is_vip && (vip.plan === 'weekly' || vip.plan === 'lifetime') ? vip.plan : null,
    vip_expire_time: vip?.is_vip ? (vip.expires_at ?? null) : null,
    points: await pointBalance(tx),
    created_at: profile.created_at,
  };
}

const routes = {
  getProfile: userRoute({
    method: 'get',
    path: '/pickitchen/profile',
    tags,
    summary: 'Nickname, VIP state and point balance',
    responses: { 200: jsonContent(Profile, 'The profile') },
  }),
  putProfile: userRoute({
    method: 'put',
    path: '/pickitchen/profile',
    tags,
    summary: 'Change the nickname',
    request: { body: jsonBody(ProfileUpdate) },
    responses: { 200: jsonContent(Profile, 'The updated profile') },
  }),
  balance: userRoute({
    method: 'get',
    path: '/pickitchen/points/balance',
    tags,
    summary: 'The point balance',
    responses: { 200: jsonContent(z.object({ balance: z.number().int() }).openapi('PointBalance'), 'Points') },
  }),
  transactions: userRoute({
    method: 'get',
    path: '/pickitchen/points/transactions',
    tags,
    summary: 'Point history, newest first (cursor pagination)',
    request: { query: PageQuery },
    responses: { 200: jsonContent(TransactionPage, 'One page') },
  }),
  subscription: userRoute({
    method: 'get',
    path: '/pickitchen/subscription/status',
    tags,
    summary: 'VIP state and the subscriptions behind it',
    responses: { 200: jsonContent(SubscriptionState, 'Subscription state') },
  }),
  createOrder: userRoute({
    method: 'post',
    path: '/pickitchen/order/create',
    tags,
    summary: 'A pending point-pack order; pay in the store with its id as the account token',
    request: { headers: IdempotencyHeader, body: jsonBody(NewOrder) },
    responses: { 201: jsonContent(Order, 'Pending order') },
  }),
  listOrders: userRoute({
    method: 'get',
    path: '/pickitchen/order/list',
    tags,
    summary: 'Orders, newest first (cursor pagination)',
    request: { query: PageQuery },
    responses: { 200: jsonContent(OrderPage, 'One page') },
  }),
  getOrder: userRoute({
    method: 'get',
    path: '/pickitchen/order/{id}',
    tags,
    summary: 'One order',
    request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
    responses: { 200: jsonContent(Order, 'The order') },
  }),
};

export function registerPickitchenAccountRoutes(app: HoutaiApp) {
  app.openapi(routes.getProfile, async (c) => c.json(await c.var.db.asUser(currentUser(c), readProfile), 200));

  app.openapi(routes.putProfile, async (c) => {
    const { nickname } = c.req.valid('json');
    return c.json(
      await c.var.db.asUser(currentUser(c), async (tx) => {
        await tx`update public.profiles set display_name = ${nickname} where id = (select auth.uid())`;
        return readProfile(tx);
      }),
      200,
    );
  });

  app.openapi(
    routes.balance,
    async (c) => c.json({ balance: await c.var.db.asUser(currentUser(c), pointBalance) }, 200),
  );

  app.openapi(
    routes.transactions,
    async (c) =>
      c.json(
        await c.var.db.asUser(
          currentUser(c),
          (tx) => listTransactions(tx, APP, { ...c.req.valid('query'), currency: 'points' }),
        ),
        200,
      ),
  );

  app.openapi(
    routes.subscription,
    async (c) => c.json(await c.var.db.asUser(currentUser(c), (tx) => readSubscriptionState(tx, APP)), 200),
  );

  app.openapi(routes.createOrder, async (c) => {
    const { product_id, quantity } = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'] ?? null;
    const order = await c.var.db.asUser(currentUser(c), async (tx) => {
      const [product] = await tx<
        { kind: string }[]
      >`select kind from public.products where id = ${product_id} and app_id = ${APP}`;
      if (product && product.kind !== 'points_pack') {
        throw new ApiError(
          'VALIDATION_FAILED',
          'Orders here are for point packs; subscriptions are bought through the store SDK.',
          [{ field: 'product_id', message: 'not a point pack' }],
        );
      }
      return createOrder(tx, APP, product_id, quantity, key);
    });
    return c.json(order, 201);
  });

  app.openapi(
    routes.listOrders,
    async (c) => c.json(await c.var.db.asUser(currentUser(c), (tx) => listOrders(tx, APP, c.req.valid('query'))), 200),
  );

  app.openapi(routes.getOrder, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await c.var.db.asUser(currentUser(c), (tx) => getOrder(tx, APP, id)), 200);
  });
}
