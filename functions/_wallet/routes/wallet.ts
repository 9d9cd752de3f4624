// GET /{app}/wallet and /{app}/wallet/transactions: the caller's balances and their history; POST
// /{app}/wallet/consume: the caller spends from a balance (companion's coins, the diary's points
// deduct). There is no route by which a client credits itself: credits come from server rules (purchases, rewards).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import type { WalletEntry } from '../ledger.ts';
import { PageQuery } from '../../_shared/pagination.ts';
import {
  Balance,
  listTransactions,
  readBalances,
  toTransaction,
  Transaction,
  TransactionPage,
} from '../wallet-reads.ts';

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

const Consume = z
  .object({
    currency: z.string().regex(/^[a-z_]{2,20}$/).openapi({ example: 'coins' }),
    amount: z.number().int().min(1).max(1_000_000).openapi({ description: 'How much to spend (positive)' }),
    reason: z.string().trim().min(1).max(300).openapi({ example: 'chat_message' }),
    ref_type: z.string().min(1).max(64).optional().openapi({ description: 'What the spending was for, e.g. message' }),
    ref_id: z.string().min(1).max(200).optional(),
  })
  .strict()
  .openapi('WalletConsume');

const Consumed = z
  .object({
    transaction: Transaction,
    balance: z.number().int().openapi({ description: 'The balance now' }),
    replayed: z.boolean().openapi({
      description: 'True when this Idempotency-Key had already spent: nothing was spent again',
    }),
  })
  .openapi('WalletConsumed');

const consumeRoute = userRoute({
  method: 'post',
  path: '/{app}/wallet/consume',
  tags: ['wallet'],
  summary:
    "Spend from one of the caller's balances, once per Idempotency-Key (422 INSUFFICIENT_BALANCE when it is short)",
  request: {
    params: AppParam,
    headers: z.object({
      'idempotency-key': z.string().min(1).max(150).openapi({
        description: 'Required: a retry with the same key spends nothing more and answers the same',
      }),
    }),
    body: jsonBody(Consume),
  },
  responses: { 200: jsonContent(Consumed, 'Spent (or already spent with this key)') },
});

export function registerWalletRoutes(app: HoutaiApp) {
  app.openapi(consumeRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const body = c.req.valid('json');
    const userId = currentUser(c).sub;
    // The client's keys get a namespace of their own, apart from the keys server rules post with.
    const key = `client:${c.req.valid('header')['idempotency-key']}`;
    const [[{ spent }]] = await c.var.db.asService((tx) => [
      tx<{ spent: { entry: WalletEntry; replayed: boolean; balance: number } }[]>`
        select public.wallet_consume(
          ${appId}, ${userId}::uuid, ${body.currency}, ${body.amount}, ${body.reason}, ${key},
          ${body.ref_type ?? null}, ${body.ref_id ?? null}) as spent`,
    ]);
    return c.json({ transaction: toTransaction(spent.entry), balance: spent.balance, replayed: spent.replayed }, 200);
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
