// GET /{app}/wallet and /{app}/wallet/transactions: the caller's balances and their history. There is no route
// by which a client credits itself: balances change by server rules (purchases, rewards, spending).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { decodeCursor, page, PageQuery } from '../../_shared/pagination.ts';
import type { WalletEntry } from '../../_shared/ledger.ts';

const Balance = z.object({ currency: z.string(), name: z.string(), name_zh: z.string(), balance: z.number().int(), updated_at: z.string().nullable() }).openapi('WalletBalance');

const Transaction = z
  .object({
    id: z.number().int(),
    currency: z.string(),
    amount: z.number().int().openapi({ description: 'Signed: credits positive, debits negative' }),
    balance_after: z.number().int(),
    kind: z.enum(['purchase', 'reward', 'consume', 'refund', 'adjust', 'expire']),
    reason: z.string(),
    ref_type: z.string().nullable(),
    ref_id: z.string().nullable(),
    period: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('WalletTransaction');

const balancesRoute = userRoute({
  method: 'get',
  path: '/{app}/wallet',
  tags: ['wallet'],
  summary: "The caller's balances in this app (zero until the first change)",
  request: { params: AppParam },
  responses: { 200: jsonContent(z.object({ balances: z.array(Balance) }), 'Balances') },
});

const transactionsRoute = userRoute({
  method: 'get',
  path: '/{app}/wallet/transactions',
  tags: ['wallet'],
  summary: "The caller's wallet history, newest first",
  request: { params: AppParam, query: PageQuery.extend({ currency: z.string().max(20).optional() }) },
  responses: { 200: jsonContent(z.object({ items: z.array(Transaction), next_cursor: z.string().nullable() }), 'One page') },
});

const Cursor = z.object({ id: z.number().int() });

export function registerWalletRoutes(app: HoutaiApp) {
  app.openapi(balancesRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const rows = await c.var.db.withUser(currentUser(c), (tx) => tx<z.infer<typeof Balance>[]>`
      select cur.currency, cur.name, cur.name_zh, coalesce(acc.balance, 0)::int as balance, acc.updated_at
        from public.wallet_currencies cur
        left join public.wallet_accounts acc on acc.app_id = cur.app_id and acc.currency = cur.currency and acc.user_id = (select auth.uid())
       where cur.app_id = ${appId}
       order by cur.currency`);
    return c.json({ balances: [...rows] }, 200);
  });

  app.openapi(transactionsRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const { limit, cursor, currency } = c.req.valid('query');
    const after = decodeCursor(cursor, Cursor);
    const rows = await c.var.db.withUser(currentUser(c), (tx) => tx<WalletEntry[]>`
      select * from public.wallet_entries
       where user_id = (select auth.uid()) and app_id = ${appId}
         ${currency ? tx`and currency = ${currency}` : tx``}
         ${after ? tx`and id < ${after.id}` : tx``}
       order by id desc
       limit ${limit + 1}`);
    const { items, next_cursor } = page(rows, limit, (last) => ({ id: Number(last.id) }));
    return c.json({
      items: items.map((e) => ({
        id: Number(e.id), currency: e.currency, amount: Number(e.amount), balance_after: Number(e.balance_after), kind: e.kind as z.infer<typeof Transaction>['kind'],
        reason: e.reason, ref_type: e.ref_type, ref_id: e.ref_id, period: e.period, created_at: e.created_at,
      })),
      next_cursor,
    }, 200);
  });
}
