// The demo seed `npm start` loads (seed/demo/): applied to the test stack's database here, twice, as every start
// applies it again; then each app's demo user signs in with what `npm start` prints.
import { describe, expect, it } from 'vitest';
import { APP_IDS } from '../../functions/_shared/apps.ts';
import { applyDemoSeed, DEMO_PASSWORD, demoSignInLines, demoUsers } from '../../scripts/stack/demo-seed.ts';
import { anonClient, asToken } from '../helpers/auth.ts';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';

/** Everything the demo seed writes, as one comparable value. */
async function demoState() {
  const [row] = await adminSql()`
    with demo as (select id, encrypted_password from auth.users where raw_app_meta_data ? 'demo_app')
    select (select json_agg(d order by d.id) from demo d) as users,
           (select count(*) from auth.identities where user_id in (select id from demo))::int as identities,
           (select count(*) from public.app_profiles where user_id in (select id from demo))::int as app_profiles,
           (select json_agg(l order by l.id) from coach.day_logs l where user_id in (select id from demo)) as days,
           (select sum(n)::int from (
                      select count(*) as n from coach.workouts where user_id in (select id from demo)
            union all select count(*) from coach.meals where user_id in (select id from demo)
            union all select count(*) from coach.sleeps where user_id in (select id from demo)
            union all select count(*) from coach.work_notes where user_id in (select id from demo)
            union all select count(*) from coach.readings where user_id in (select id from demo)) c) as records,
           (select json_agg(e order by e.id) from public.wallet_entries e
             where user_id in (select id from demo)) as wallet`;
  return row;
}

describe('demo seed', () => {
  it('applies twice cleanly: the second start changes nothing', { timeout: 60_000 }, async () => {
    await applyDemoSeed(stackEnv().dbUrl);
    const first = await demoState();
    await applyDemoSeed(stackEnv().dbUrl);
    expect(await demoState()).toEqual(first);
    expect(first.users).toHaveLength(APP_IDS.length);
    expect(first.identities).toBe(APP_IDS.length);
    expect(first.app_profiles).toBe(APP_IDS.length);
  });

  it('each app has a demo user who signs in with the email and password npm start prints, and finds data', {
    timeout: 60_000,
  }, async () => {
    await applyDemoSeed(stackEnv().dbUrl);
    const users = await demoUsers(stackEnv().dbUrl);
    expect(users.map((u) => u.app)).toEqual([...APP_IDS]);
    const printed = demoSignInLines(users).join('\n');
    expect(printed).toContain(DEMO_PASSWORD);
    for (const { app, email } of users) {
      expect(printed).toMatch(new RegExp(`\\b${app}\\s+${email.replace(/[.]/g, '\\.')}`));
      const { data, error } = await anonClient().auth.signInWithPassword({ email, password: DEMO_PASSWORD });
      expect(error, `${app}: ${error?.message}`).toBeNull();
      const token = data.session!.access_token;
      // What the user sees under RLS: their app profile, a few coach days with scores,
      // a balance where the app keeps one.
      const profiles = await asToken<{ app_id: string }>(token, 'select app_id from public.app_profiles');
      expect(profiles.map((p) => p.app_id)).toEqual([app]);
      const days = await asToken<{ score: number | null }>(token, 'select score from coach.day_logs');
      const balances = await asToken<{ balance: string }>(token, 'select balance from public.wallet_accounts');
      if (app === 'coach') {
        expect(days.length).toBeGreaterThanOrEqual(4);
        expect(days.every((d) => d.score !== null && d.score > 0)).toBe(true);
      }
      const [{ currencies }] =
        await adminSql()`select count(*)::int as currencies from public.wallet_currencies where app_id = ${app}`;
      expect(balances).toHaveLength(currencies);
      expect(balances.every((b) => Number(b.balance) > 0)).toBe(true);
    }
  });
});
