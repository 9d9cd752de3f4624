// /diary/lottery/*: the prize catalog with the draw's cost, a draw (one SQL function, diary.draw: charge, secure random
// pick, stock, record — all or nothing, once per Idempotency-Key) and the caller's draws.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { errorContent, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import type { Tx } from '../../_shared/db.ts';
import { decodeCursor, page, PageQuery } from '../../_shared/pagination.ts';
import { ConsumeKeyHeader } from '../../_wallet/consume.ts';

const tags = ['diary'];
const Locale = z.enum(['zh-CN', 'en']).default('zh-CN').openapi({ description: 'The language of prize names' });

const Prize = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    image_url: z.string().nullable(),
    probability: z.number().openapi({ description: 'The chance of winning it in one draw (0–1)' }),
    in_stock: z.boolean().openapi({ description: 'False once its stock is gone: it cannot be won' }),
  })
  .openapi('DiaryPrize');

const Draw = z
  .object({
    id: z.uuid(),
    cost: z.number().int(),
    is_winner: z.boolean(),
    prize: Prize.omit({ probability: true, in_stock: true }).nullable(),
    random_value: z.string().openapi({ description: 'The secure random number in [0, 1) that decided it, for audits' }),
    created_at: z.string(),
  })
  .openapi('DiaryDraw');
type Draw = z.infer<typeof Draw>;

const DrawResult = Draw.extend({
  balance: z.number().int().openapi({ description: 'The point balance after the draw' }),
  replayed: z.boolean().openapi({
    description: 'True when this Idempotency-Key drew before: nothing was charged again',
  }),
}).openapi('DiaryDrawResult');

const routes = {
  prizes: userRoute({
    method: 'get',
    path: '/diary/lottery/prizes',
    tags,
    summary: 'The active prizes and what a draw costs',
    request: { query: z.object({ locale: Locale }) },
    responses: {
      200: jsonContent(z.object({ draw_cost: z.number().int(), prizes: z.array(Prize) }), 'The catalog'),
    },
  }),
  draw: userRoute({
    method: 'post',
    path: '/diary/lottery/draw',
    tags,
    summary: 'Draw once: charged the draw cost, once per Idempotency-Key (422 INSUFFICIENT_BALANCE when short)',
    request: { headers: ConsumeKeyHeader },
    responses: {
      200: jsonContent(DrawResult, 'The draw (or the one made before with this key)'),
      409: errorContent('IDEMPOTENCY_CONFLICT: this key was used for another request'),
      422: errorContent('INSUFFICIENT_BALANCE: not enough points for a draw'),
    },
  }),
  records: userRoute({
    method: 'get',
    path: '/diary/lottery/records',
    tags,
    summary: "The caller's draws, newest first",
    request: { query: PageQuery.extend({ locale: Locale }) },
    responses: {
      200: jsonContent(z.object({ items: z.array(Draw), next_cursor: z.string().nullable() }), 'One page'),
    },
  }),
};

type DrawRow = {
  id: string;
  cost: number;
  prize_id: string | null;
  random_value: string;
  created_at: string;
  name: string | null;
  description: string | null;
  image_url: string | null;
};

/** The caller's draws with their prize's texts, newest first: a page (after a cursor). */
function drawsOf(tx: Tx, locale: string, opts: { limit: number; after?: { created_at: string; id: string } }) {
  return tx<DrawRow[]>`
    select d.id, d.cost, d.prize_id, d.random_value::text as random_value, d.created_at,
           coalesce(p.name ->> ${locale}, p.name ->> 'zh-CN') as name,
           coalesce(p.description ->> ${locale}, p.description ->> 'zh-CN') as description, p.image_url
      from diary.lottery_draws d left join diary.prizes p on p.id = d.prize_id
     where d.user_id = (select auth.uid())
       ${
    opts.after ? tx`and (d.created_at, d.id) < (${opts.after.created_at}::timestamptz, ${opts.after.id}::uuid)` : tx``
  }
     order by d.created_at desc, d.id desc limit ${opts.limit}`;
}

const toDraw = (r: DrawRow): Draw => ({
  id: r.id,
  cost: r.cost,
  is_winner: r.prize_id !== null,
  prize: r.prize_id ? { id: r.prize_id, name: r.name ?? '', description: r.description, image_url: r.image_url } : null,
  random_value: r.random_value,
  created_at: r.created_at,
});

/** diary.draw's answer: the draw row, its prize row (null: no prize), the balance after it. */
type DrawAnswer = {
  draw: Omit<DrawRow, 'name' | 'description' | 'image_url' | 'random_value'> & { random_value: number | string };
  prize: { name: Record<string, string>; description: Record<string, string>; image_url: string | null } | null;
  balance: number;
  replayed: boolean;
};

const Cursor = z.object({ created_at: z.string(), id: z.uuid() });

export function registerDiaryLotteryRoutes(app: HoutaiApp) {
  app.openapi(routes.prizes, async (c) => {
    const { locale } = c.req.valid('query');
    const [[cost], prizes] = await c.var.db.asUser(currentUser(c), (tx) => [
      tx<{ draw_cost: number }[]>`select coalesce((diary.setting('lottery', '{draw_cost}'))::int, 0) as draw_cost`,
      tx<z.infer<typeof Prize>[]>`
        select id, coalesce(name ->> ${locale}, name ->> 'zh-CN') as name,
               coalesce(description ->> ${locale}, description ->> 'zh-CN') as description, image_url,
               probability::float8 as probability, stock <> 0 as in_stock
          from diary.prizes where active order by sort, id`,
    ]);
    return c.json({ draw_cost: cost.draw_cost, prizes: [...prizes] }, 200);
  });

  app.openapi(routes.draw, async (c) => {
    const key = c.req.valid('header')['idempotency-key'];
    const userId = currentUser(c).sub;
    // One SQL function, all or nothing, run as the service role for the caller (it writes the ledger and the stock).
    const [[{ r }]] = await c.var.db.asService((tx) => [
      tx<{ r: DrawAnswer }[]>`select diary.draw(${userId}::uuid, ${key}) as r`,
    ]);
    const { draw, prize } = r;
    const row: DrawRow = {
      ...draw,
      random_value: String(draw.random_value),
      name: prize?.name['zh-CN'] ?? null,
      description: prize?.description['zh-CN'] ?? null,
      image_url: prize?.image_url ?? null,
    };
    return c.json({ ...toDraw(row), balance: r.balance, replayed: r.replayed }, 200);
  });

  app.openapi(routes.records, async (c) => {
    const { limit, cursor, locale } = c.req.valid('query');
    const after = decodeCursor(cursor, Cursor);
    const rows = await c.var.db.asUser(currentUser(c), (tx) => drawsOf(tx, locale, { limit: limit + 1, after }));
    const p = page(rows, limit, (last) => ({ created_at: last.created_at, id: last.id }));
    return c.json({ items: p.items.map(toDraw), next_cursor: p.next_cursor }, 200);
  });
}
