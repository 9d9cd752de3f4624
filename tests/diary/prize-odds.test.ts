// Growth Diary's prize catalog rule (diary.check_prize_odds): the active prizes' probabilities sum to at most 1, also
// when two admins save at the same moment. Each edit below is fine alone; together they would pass 1.
import { afterEach, describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { until } from '../helpers/hold.ts';
import { queuedBehind } from '../helpers/lock-waits.ts';

const SEEDED = { '小红花': 0.3, '小星星': 0.25 };

async function prizeId(name: keyof typeof SEEDED): Promise<string> {
  const [{ id }] = await adminSql()<{ id: string }[]>`select id from diary.prizes where name ->> 'zh-CN' = ${name}`;
  return id;
}

describe('diary prize odds', () => {
  afterEach(async () => {
    for (const [name, probability] of Object.entries(SEEDED)) {
      await adminSql()`update diary.prizes set probability = ${probability} where name ->> 'zh-CN' = ${name}`;
    }
  });

  it('two admins raising two prizes at once cannot push the active sum over 1: the second waits, fails', async () => {
    const flower = await prizeId('小红花');
    const star = await prizeId('小星星');
    // Room of 0.1 under 1, committed: each admin's raise of 0.1 fits alone.
    await adminSql()`update diary.prizes set probability = 0.2 where id = ${flower}`;
    const a = await adminSql().reserve();
    const b = await adminSql().reserve();
    try {
      await a`begin`;
      await a`update diary.prizes set probability = 0.3 where id = ${flower}`;
      const [{ pid }] = await a<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await b`begin`;
      const second = b`update diary.prizes set probability = 0.35 where id = ${star}`.then(
        () => undefined,
        (err: { message: string }) => err.message,
      );
      let settled = false;
      void second.finally(() => (settled = true));
      // B is lined up behind A (or, with no lock to wait for, already done: then the check below catches it).
      await until(
        'the second edit waiting behind the first',
        async () => settled || (await queuedBehind(pid)) > 0 ? true : undefined,
      );
      await a`commit`;
      expect(await second).toBe('VALIDATION_FAILED');
      await b`rollback`;
      const [{ sum }] = await adminSql()<{ sum: string }[]>`
        select sum(probability)::text as sum from diary.prizes where active`;
      expect(Number(sum)).toBeLessThanOrEqual(1);
    } finally {
      await a`rollback`;
      await b`rollback`;
      a.release();
      b.release();
    }
  });
});
