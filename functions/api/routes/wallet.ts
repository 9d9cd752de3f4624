// GET /{app}/wallet and /{app}/wallet/transactions: the caller's balances and their history. There is no route
// by which a client credits itself: balances change by server rules (purchases, rewards, spending).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { PageQuery } from '../../_shared/pagination.ts';
import { Balance, listTransactions, readBalances, TransactionPage } from '../../_shared/wallet-reads.ts';

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
  responses: { 200: jsonContent(TransactionPage, 'One page') },
});

export function registerWalletRoutes(app: HoutaiApp) {
  app.openapi(balancesRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const rows = await c.var.db.withUser(currentUser(c), (tx) => readBalances(tx, appId));
    return c.json({ balances: [...rows] }, 200);
  });

  app.openapi(transactionsRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    return c.json(await c.var.db.withUser(currentUser(c), (tx) => listTransactions(tx, appId, c.req.valid('query'))), 200);
  });
}
