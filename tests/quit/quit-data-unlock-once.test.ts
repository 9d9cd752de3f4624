// quit.evaluate_achievements under concurrency, straight against SQL: 20 transactions of one user that each find
// the same achievements met (10 call the evaluation, as POST achievements/unlock does; 10 write a smoking record,
// whose trigger evaluates) unlock each achievement once, grant its points once and notify once. The HTTP version is
// tests/quit/unlock-once.test.ts.
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { sendAtOnce, syncClockOf } from '../helpers/at-once.ts';
import { stackEnv } from '../helpers/stack.ts';

const MET = ['first_day', 'three_days', 'one_week', 'money_100', 'avoided_100', 'good_start'];
const POINTS = 10 + 20 + 50 + 30 + 80 + 20;

describe('quit achievements unlock once (SQL)', () => {
  const users = postgres(stackEnv().dbUrl, { max: 20, onnotice: () => {} });
  afterAll(() => users.end());

  it('20 concurrent evaluations and writes completing the same achievements unlock and grant each once', async () => {
    const sql = adminSql();
    const userId = randomUUID();
    await sql`insert into auth.users (id, aud, role, email, created_at, updated_at)
              values (${userId}, 'authenticated', 'authenticated', ${`quit-data-${userId}@test.local`}, now(), now())`;
    // Quit at local midnight 10 days ago: 10 smoke-free days, 100 avoided, 100.00 saved. Written with triggers off,
    // so nothing is evaluated yet and every transaction below finds the same achievements met and still locked.
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`insert into quit.profiles (id, user_id, quit_at, cigarettes_per_day, price_per_cigarette)
               values (quit.row_id(${userId}, 'profile'), ${userId},
                       ((now() at time zone 'Asia/Shanghai')::date - 10)::timestamp at time zone 'Asia/Shanghai',
                       10, 1.00)`;
    });
    const claims = JSON.stringify({ sub: userId, role: 'authenticated', aud: 'authenticated' });

    const answers = await sendAtOnce(syncClockOf(userId), 20, (i) =>
      users.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true)`;
        if (i % 2 === 0) {
          const [{ unlocked }] = await tx`select quit.evaluate_achievements(${userId}) -> 'unlocked' as unlocked`;
          return unlocked as string[];
        }
        // A record from before quitting changes no metric, but is a write that evaluates.
        await tx`insert into quit.smoking_records (id, user_id, smoked_at, cigarettes_smoked)
                 values (${randomUUID()}, ${userId}, now() - interval '1 year', 1)`;
        return [];
      }));

    const reported = answers.flat();
    expect(new Set(reported).size, 'no key is reported newly unlocked twice').toBe(reported.length);
    const unlocked = await sql`select achievement_key from quit.user_achievements
                               where user_id = ${userId} and unlocked_at is not null`;
    expect(unlocked.map((r) => r.achievement_key).sort()).toEqual([...MET].sort());
    const [ledger] = await sql`
      select a.balance, count(e.*)::int as entries, count(distinct e.idempotency_key)::int as keys
        from public.wallet_accounts a join public.wallet_entries e on e.account_id = a.id
       where a.user_id = ${userId} and a.app_id = 'quit' and a.currency = 'points' group by a.balance`;
    expect(ledger).toEqual({ balance: String(POINTS), entries: MET.length, keys: MET.length });
    const [{ notifications }] = await sql`select count(*)::int as notifications from quit.notifications
                                          where user_id = ${userId} and kind = 'achievement'`;
    expect(notifications).toBe(MET.length);
  });
});
