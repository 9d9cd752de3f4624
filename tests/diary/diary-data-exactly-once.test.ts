// Growth Diary's credits against SQL, under concurrent retries: the wx-storage opening balance
// (diary.import_opening_balance) is granted at most once per user ever, and a task's points once per task and date
// (diary.complete_task). The routes and the importer that call them are diary-api's.
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { type Gate, sendAtOnce } from '../helpers/at-once.ts';

const pool = postgres(stackEnv().dbUrl, { max: 20, onnotice: () => {} });
afterAll(() => pool.end());

/** A new user with an (empty) Growth Diary points account, whose row lock every credit of theirs takes. */
async function userWithAccount(): Promise<{ id: string; account: Gate }> {
  const id = randomUUID();
  await adminSql()`insert into auth.users (id, aud, role, email, created_at, updated_at)
                   values (${id}, 'authenticated', 'authenticated', ${`once-${id}@test.local`}, now(), now())`;
  await adminSql()`insert into public.wallet_accounts (app_id, user_id, currency) values ('diary', ${id}, 'points')`;
  const account: Gate = (sql) =>
    sql`select 1 from public.wallet_accounts where user_id = ${id} and app_id = 'diary' for update`;
  return { id, account };
}

const ledgerOf = (userId: string) =>
  adminSql()<{ kind: string; reason: string; amount: number; key: string }[]>`
    select kind, reason, amount::int, idempotency_key as key from public.wallet_entries where user_id = ${userId}`;

describe('Growth Diary credits under concurrent retries', () => {
  it('20 concurrent opening-balance imports grant the balance once', async () => {
    const user = await userWithAccount();
    const answers = await sendAtOnce(user.account, 20, (i) =>
      pool<{ r: { granted: boolean; points: number } }[]>`
        select diary.import_opening_balance(${user.id}, ${i % 2 === 0 ? 120 : 80}) as r`);
    const granted = answers.map(([{ r }]) => r).filter((r) => r.granted);
    expect(granted).toHaveLength(1);
    const entries = await ledgerOf(user.id);
    expect(entries).toEqual([{
      kind: 'adjust',
      reason: 'migration',
      amount: granted[0].points,
      key: 'diary:opening_balance',
    }]);
    // Later, with another amount: nothing more, and the answer says so.
    const [{ r: later }] = await adminSql()`select diary.import_opening_balance(${user.id}, 500) as r`;
    expect(later).toMatchObject({ granted: false, points: 0, balance: granted[0].points });
    expect(await ledgerOf(user.id)).toHaveLength(1);
  }, 60_000);

  it('a task completed 10 times at once grants its points once', async () => {
    const user = await userWithAccount();
    const [{ today, points }] = await adminSql()`
      select diary.local_date(diary.user_timezone(${user.id}))::text as today, points_reward as points
        from diary.system_tasks where key = 'write_diary'`;
    const answers = await sendAtOnce(
      user.account,
      10,
      () =>
        pool<{ r: { completion: { id: string }; replayed: boolean } }[]>`
        select diary.complete_task(${user.id}, 'write_diary', ${today}::date) as r`,
    );
    expect(new Set(answers.map(([{ r }]) => r.completion.id)).size).toBe(1);
    expect(answers.filter(([{ r }]) => !r.replayed)).toHaveLength(1);
    expect(await ledgerOf(user.id)).toEqual([
      { kind: 'reward', reason: 'Task done: 写一篇日记', amount: points, key: `diary_task:write_diary:${today}` },
    ]);
  }, 60_000);

  it('leaves the ledger consistent', async () => {
    expect(await adminSql()`select * from internal.ledger_violations()`).toEqual([]);
  });
});
