// Growth Diary's lottery against SQL (diary.draw): the odds hold over many draws, a prize's stock is never
// oversold under concurrent draws, and a retried draw is one draw, charged once. The routes are diary-api's.
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { type Gate, sendAtOnce } from '../helpers/at-once.ts';

/** Connections enough for every concurrent draw to hold its own (adminSql keeps 4). */
const pool = postgres(stackEnv().dbUrl, { max: 50, onnotice: () => {} });
afterAll(() => pool.end());

/** A user with `points` Growth Diary points. */
async function userWithPoints(points: number): Promise<string> {
  const id = randomUUID();
  await adminSql()`insert into auth.users (id, aud, role, email, created_at, updated_at)
                   values (${id}, 'authenticated', 'authenticated', ${`lottery-${id}@test.local`}, now(), now())`;
  if (points > 0) {
    await adminSql()`
      select public.wallet_post('diary', ${id}, 'points', ${points}, 'reward', 'test points', 'test-points')`;
  }
  return id;
}

async function drawCost(): Promise<number> {
  const [{ cost }] = await adminSql()`select (diary.setting('lottery', '{draw_cost}'))::int as cost`;
  return cost;
}

interface Offer {
  id: string;
  name: string;
  probability: number;
}

describe('diary.draw against the seeded catalog', () => {
  it("10,000 draws land within 4.5 binomial standard deviations of each prize's probability", async () => {
    const offers = await adminSql()<Offer[]>`
      select id, name ->> 'zh-CN' as name, probability::float8 as probability
        from diary.prizes where active order by sort, id`;
    // The design's catalog, as seeded: 小红花 0.3, 小星星 0.25, 彩虹贴纸 0.2, 小徽章 0.15, 神秘礼物 0.1.
    expect(offers.map((o) => [o.name, o.probability])).toEqual([
      ['小红花', 0.3],
      ['小星星', 0.25],
      ['彩虹贴纸', 0.2],
      ['小徽章', 0.15],
      ['神秘礼物', 0.1],
    ]);
    const n = 10_000;
    const cost = await drawCost();
    const users = await Promise.all(Array.from({ length: 4 }, () => userWithPoints((n / 4) * cost)));
    // Four users drawing side by side, 2,500 draws each, one statement per user.
    await Promise.all(
      users.map((user) => pool`select diary.draw(${user}, 'stat-' || i) from generate_series(1, ${n / 4}) i`),
    );
    const counts = await adminSql()<{ prize_id: string | null; n: number }[]>`
      select prize_id, count(*)::int as n from diary.lottery_draws where user_id = any(${users}) group by prize_id`;
    const won = (id: string | null) => counts.find((c) => c.prize_id === id)?.n ?? 0;
    expect(counts.reduce((sum, c) => sum + c.n, 0)).toBe(n);
    // Each prize's count is Binomial(n, p). 4.5 σ: a count falls outside with probability 6.8e-6; over the 5 prizes
    // a run fails by chance about once in 29,000 runs, while a wrong rule (a shifted or reordered cumulative bound,
    // an off-by-one prize) moves a count by hundreds of σ.
    for (const offer of offers) {
      const mean = n * offer.probability;
      const sigma = Math.sqrt(n * offer.probability * (1 - offer.probability));
      expect(
        Math.abs(won(offer.id) - mean),
        `${offer.name}: ${won(offer.id)} of ${n}, expected ${mean} ± 4.5 × ${sigma.toFixed(1)}`,
      )
        .toBeLessThanOrEqual(4.5 * sigma);
    }
    // The probabilities sum to 1: no draw is left without a prize.
    expect(won(null)).toBe(0);
    // Every draw can be audited: its prize is the first of its recorded odds whose running sum exceeds its value.
    const [{ unexplained }] = await adminSql()`
      select count(*)::int as unexplained from diary.lottery_draws d
       where d.user_id = any(${users})
         and d.prize_id is distinct from (
           select (o.value ->> 'prize_id')::uuid
             from jsonb_array_elements(d.odds) with ordinality o
            where d.random_value < (
              select sum((x.value ->> 'probability')::numeric)
                from jsonb_array_elements(d.odds) with ordinality x
               where x.ordinality <= o.ordinality)
            order by o.ordinality limit 1)`;
    expect(unexplained).toBe(0);
    // Charged once per draw; the balances are spent exactly.
    const [{ spent, left }] = await adminSql()`
      select (select count(*)::int from public.wallet_entries
               where user_id = any(${users}) and ref_type = 'lottery_draw') as spent,
             (select sum(balance)::int from public.wallet_accounts
               where user_id = any(${users}) and app_id = 'diary') as left`;
    expect({ spent, left }).toEqual({ spent: n, left: 0 });
  }, 300_000);

  it(
    'a prize with stock 1 drawn by 50 users at once is won at most once; the others fall through to no prize',
    async () => {
      const [flower] = await adminSql()<
        { id: string }[]
      >`select id from diary.prizes where name ->> 'zh-CN' = '小红花'`;
      const cost = await drawCost();
      const users = await Promise.all(Array.from({ length: 50 }, () => userWithPoints(cost)));
      await adminSql()`update diary.prizes set stock = 1 where id = ${flower.id}`;
      try {
        // Every draw locks the prize its number picked (the catalog's probabilities sum to 1): holding every active
        // prize's row lets all 50 reach that point before any of them takes stock.
        const everyPrize: Gate = (sql) => sql`select 1 from diary.prizes where active for update`;
        const answers = await sendAtOnce(
          everyPrize,
          50,
          (i) =>
            pool<{ r: { draw: { prize_id: string | null; random_value: string } } }[]>`
          select diary.draw(${users[i]}, 'stock-race') as r`,
        );
        const draws = answers.map(([{ r }]) => r.draw);
        const winners = draws.filter((d) => d.prize_id === flower.id);
        const pickedFlower = draws.filter((d) => Number(d.random_value) < 0.3);
        const [{ stock }] = await adminSql()`select stock from diary.prizes where id = ${flower.id}`;
        expect(winners.length).toBeLessThanOrEqual(1);
        expect(winners.length + stock).toBe(1);
        // Those whose number fell on the flower after it was gone won nothing (not the next prize).
        expect(pickedFlower.filter((d) => d.prize_id === null).length).toBe(pickedFlower.length - winners.length);
        expect(draws.filter((d) => d.prize_id === null).length).toBe(pickedFlower.length - winners.length);
        const [{ charged }] = await adminSql()`
        select count(*)::int as charged from public.wallet_entries
         where user_id = any(${users}) and ref_type = 'lottery_draw'`;
        expect(charged).toBe(50);
      } finally {
        await adminSql()`update diary.prizes set stock = -1 where id = ${flower.id}`;
      }
    },
    120_000,
  );

  it('the same draw retried 10 times at once is one draw, charged once', async () => {
    const cost = await drawCost();
    const user = await userWithPoints(cost * 3);
    const account: Gate = (sql) =>
      sql`select 1 from public.wallet_accounts where user_id = ${user} and app_id = 'diary' for update`;
    const answers = await sendAtOnce(
      account,
      10,
      () => pool<{ r: { draw: { id: string }; replayed: boolean } }[]>`select diary.draw(${user}, 'retried') as r`,
    );
    expect(new Set(answers.map(([{ r }]) => r.draw.id)).size).toBe(1);
    expect(answers.filter(([{ r }]) => !r.replayed)).toHaveLength(1);
    const [{ draws, balance }] = await adminSql()`
      select (select count(*)::int from diary.lottery_draws where user_id = ${user}) as draws,
             diary.points_balance(${user})::int as balance`;
    expect({ draws, balance }).toEqual({ draws: 1, balance: cost * 2 });
  }, 60_000);

  it('leaves the ledger consistent', async () => {
    expect(await adminSql()`select * from internal.ledger_violations()`).toEqual([]);
  });
});
