// 20 writes at the same moment, each of which completes the same achievement on its own (the 10th check-in):
// it is unlocked once, its points are granted once, and it is announced once.
import { describe, expect, it } from 'vitest';
import { sendAtOnce, syncClockOf } from '../helpers/at-once.ts';
import { adminSql } from '../helpers/db.ts';
import { quit, shanghaiDate } from '../helpers/quit.ts';
import { createUser } from '../helpers/users.ts';

describe('quit achievements under concurrency', () => {
  it('20 parallel check-ins that each complete checkins_10 unlock it once and grant its points once', async () => {
    const user = await createUser();
    const api = quit(user.token);
    // Quit just now: no smoke-free day, nothing saved yet; only check-in rules can be met.
    expect((await api.put('/users/profile', { quit_at: new Date().toISOString(), cigarettes_per_day: 10 })).status)
      .toBe(200);
    for (let o = -40; o < -31; o++) {
      expect((await api.post('/checkins', { checkin_date: shanghaiDate(o) })).status).toBe(201);
    }
    expect((await api.get('/achievements')).body.items.find((a: { key: string }) => a.key === 'checkins_10'))
      .toMatchObject({ unlocked: false, current: 9, target: 10 });

    // Nine check-ins on days far apart; each of these 20 makes the 10th.
    const answers = await sendAtOnce(
      syncClockOf(user.id),
      20,
      (i) => api.post('/checkins', { checkin_date: shanghaiDate(-20 + i) }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));

    const unlocks = await adminSql()`
      select unlocked_at from quit.user_achievements where user_id = ${user.id} and achievement_key = 'checkins_10'`;
    expect(unlocks).toHaveLength(1);
    expect(unlocks[0].unlocked_at).not.toBeNull();
    const [{ points }] = await adminSql()`select points from quit.achievements where key = 'checkins_10'`;
    const grants = await adminSql()`
      select amount from public.wallet_entries
       where user_id = ${user.id} and app_id = 'quit' and idempotency_key = 'quit-achievement:checkins_10'`;
    expect(grants.map((g) => Number(g.amount))).toEqual([points]);
    const notices = await adminSql()`
      select 1 from quit.notifications where user_id = ${user.id} and data ->> 'achievement_key' = 'checkins_10'`;
    expect(notices).toHaveLength(1);
  });
});
