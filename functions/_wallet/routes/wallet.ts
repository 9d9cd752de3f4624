// GET /{app}/wallet and /{app}/wallet/transactions: the caller's balances and their history; POST
// /{app}/wallet/consume: the caller spends from a balance (companion's coins, the diary's points
// deduct). There is no route by which a client credits itself: credits come from server rules (purchases, rewards).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { PageQuery } from '../../_shared/pagination.ts';
import { Balance, listTransactions, readBalances, TransactionPage } from '../wallet-reads.ts';
import { Consume, consume, Consumed, ConsumeKeyHeader } from '../consume.ts';

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

const consumeRoute = userRoute({
  method: 'post',
  path: '/{app}/wallet/consume',
  tags: ['wallet'],
  summary:
    "Spend from one of the caller's balances, once per Idempotency-Key (422 INSUFFICIENT_BALANCE when it is short)",
  request: {
    params: AppParam,
    headers: ConsumeKeyHeader,
    body: jsonBody(Consume),
  },
  responses: { 200: jsonContent(Consumed, 'Spent (or already spent with this key)') },
});

export function registerWalletRoutes(app: HoutaiApp) {
  app.openapi(consumeRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const spent = await consume(c.var.db, appId, currentUser(c).sub, c.req.valid('json'), c.req.valid('header'));
    return c.json(spent, 200);
  });

  app.openapi(balancesRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const rows = await c.var.db.asUser(currentUser(c), (tx) => readBalances(tx, appId));
    return c.json({ balances: [...rows] }, 200);
  });

  app.openapi(transactionsRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    return c.json(
      await c.var.db.asUser(currentUser(c), (tx) => listTransactions(tx, appId, c.req.valid('query'))),
      200,
    );
  });
}
