// /diary/points/*: the seed's names over the shared wallet (currency `points` of app `diary`). The balance, the
// history as the seed's point_records, and spending (deduct) with an Idempotency-Key. There is no points/add: every
// way to earn is a server rule (task completions, the first diary of a day, streak bonuses; docs/apps/diary.md).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { PageQuery } from '../../_shared/pagination.ts';
import { listTransactions, readBalance, type Transaction } from '../../_wallet/wallet-reads.ts';
import { consume, Consumed, ConsumeKeyHeader } from '../../_wallet/consume.ts';
import { APP, CURRENCY } from '../app-id.ts';

const tags = ['diary'];

/** A ledger entry under the seed's point_records names. */
const PointRecord = z
  .object({
    id: z.number().int(),
    amount: z.number().int().openapi({ description: 'Signed: earned positive, spent negative' }),
    balance_after: z.number().int(),
    source: z.enum(['purchase', 'reward', 'consume', 'refund', 'adjust', 'expire']).openapi({
      description: 'The kind of change: reward (a task, a diary, a streak), consume (a draw, a deduct), ' +
        'adjust (the opening balance imported from the phone), refund',
    }),
    description: z.string().openapi({ description: 'Why: the server rule or the reason the app gave' }),
    related_id: z.string().nullable().openapi({ description: 'The task, draw or diary it is for' }),
    related_type: z.string().nullable().openapi({ example: 'task' }),
    created_at: z.string(),
  })
  .openapi('DiaryPointRecord');

const toPointRecord = (t: z.infer<typeof Transaction>): z.infer<typeof PointRecord> => ({
  id: t.id,
  amount: t.amount,
  balance_after: t.balance_after,
  source: t.kind,
  description: t.reason,
  related_id: t.ref_id,
  related_type: t.ref_type,
  created_at: t.created_at,
});

const Deduct = z
  .object({
    amount: z.number().int().min(1).max(1_000_000),
    description: z.string().trim().min(1).max(300).openapi({ example: '兑换奖励' }),
    related_id: z.string().min(1).max(200).optional(),
    related_type: z.string().min(1).max(64).optional(),
  })
  .strict()
  .openapi('DiaryPointsDeduct');

const routes = {
  balance: userRoute({
    method: 'get',
    path: '/diary/points/balance',
    tags,
    summary: 'The point balance',
    responses: { 200: jsonContent(z.object({ balance: z.number().int() }).openapi('DiaryPointBalance'), 'Points') },
  }),
  records: userRoute({
    method: 'get',
    path: '/diary/points/records',
    tags,
    summary: "Point history (the seed's point_records), newest first",
    request: { query: PageQuery },
    responses: {
      200: jsonContent(z.object({ items: z.array(PointRecord), next_cursor: z.string().nullable() }), 'One page'),
    },
  }),
  deduct: userRoute({
    method: 'post',
    path: '/diary/points/deduct',
    tags,
    summary: 'Spend points, once per Idempotency-Key (422 INSUFFICIENT_BALANCE when short)',
    request: { headers: ConsumeKeyHeader, body: jsonBody(Deduct) },
    responses: { 200: jsonContent(Consumed, 'Spent (or already spent with this key)') },
  }),
};

export function registerDiaryPointRoutes(app: HoutaiApp) {
  app.openapi(routes.balance, async (c) => {
    const balance = await c.var.db.asUser(currentUser(c), (tx) => readBalance(tx, APP, CURRENCY));
    return c.json({ balance }, 200);
  });

  app.openapi(routes.records, async (c) => {
    const q = c.req.valid('query');
    const page = await c.var.db.asUser(currentUser(c), (tx) => listTransactions(tx, APP, { ...q, currency: CURRENCY }));
    return c.json({ items: page.items.map(toPointRecord), next_cursor: page.next_cursor }, 200);
  });

  app.openapi(routes.deduct, async (c) => {
    const b = c.req.valid('json');
    const spent = await consume(c.var.db, APP, currentUser(c).sub, {
      currency: CURRENCY,
      amount: b.amount,
      reason: b.description,
      ref_id: b.related_id,
      ref_type: b.related_type,
    }, c.req.valid('header'));
    return c.json(spent, 200);
  });
}
