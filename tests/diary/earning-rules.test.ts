// Growth Diary's earning rules cannot be farmed, through HTTP: back-dated diaries and a re-published draft never pay a
// streak bonus again, an imported diary dated today earns nothing, and custom tasks pay at most custom_tasks_per_day
// times a date and each once ever, whether they are deleted and made again, moved, or completed at the same moment.
import { describe, expect, it } from 'vitest';
import { sendAtOnce, syncClockOf } from '../helpers/at-once.ts';
import { adminSql } from '../helpers/db.ts';
import { envelope } from '../helpers/http.ts';
import { diaryPoints, type DiaryUser, shanghaiDay, wechatLogin } from '../helpers/diary.ts';

const FIRST_DIARY = 5;
const POINTS = 20;

const perDay = async () => {
  const [{ n }] = await adminSql()<{ n: number }[]>`
    select (diary.setting('points_rules', '{custom_tasks_per_day}'))::int as n`;
  return n;
};

/** The user's ledger keys of one kind of reward (ref_type), sorted. */
const rewardKeys = async (userId: string, refType: string) =>
  (await adminSql()<{ key: string }[]>`
    select idempotency_key as key from public.wallet_entries
     where user_id = ${userId} and app_id = 'diary' and ref_type = ${refType} order by 1`).map((r) => r.key);

/** A change made on the phone to the version it last pulled, pushed. */
const push = async (user: DiaryUser, op: 'upsert' | 'delete', row: Record<string, unknown> & { id: string }) => {
  const [{ version }] = await adminSql()<{ version: string }[]>`
    select version::text from diary.custom_tasks where id = ${row.id}`;
  return user.api.post('/sync/push', {
    device_id: 'phone-1',
    mutations: [{ mutation_id: crypto.randomUUID(), table: 'diary.custom_tasks', op, row, base_version: version }],
  });
};

const makeTasks = async (user: DiaryUser, date: string, count: number, round: string) => {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await user.api.post('/tasks', { date, title: `${round} ${i}`, points_reward: POINTS });
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  return ids;
};

describe('Growth Diary: earning rules cannot be farmed', () => {
  it('back-dated diaries and a re-published draft of today never pay a streak bonus (again)', async () => {
    const user = await wechatLogin();
    const write = (offset: number) => user.api.post('/diary', { date: shanghaiDay(offset), content: `day ${offset}` });
    for (let offset = -29; offset < 0; offset++) expect((await write(offset)).status).toBe(201);
    const today = await write(0);
    expect(today.status).toBe(201);
    // A 30-day run for the display counters, but only today's diary was written on its day.
    expect((await user.api.get('/user/profile')).body).toMatchObject({ continuous_days: 30, points: FIRST_DIARY });
    // The farming loop: one more back-dated diary moves the run's first day, then today's draft flag reruns the rules.
    for (const offset of [-30, -31]) {
      expect((await write(offset)).status).toBe(201);
      expect((await user.api.put(`/diary/${today.body.id}`, { is_draft: true })).status).toBe(200);
      expect((await user.api.put(`/diary/${today.body.id}`, { is_draft: false })).status).toBe(200);
    }
    expect(await diaryPoints(user.userId)).toBe(FIRST_DIARY);
    expect(await rewardKeys(user.userId, 'diary_streak')).toEqual([]);
  });

  it('an import whose newest diary is today grants nothing but the opening balance', async () => {
    const user = await wechatLogin();
    const rows = [-4, -3, -2, -1, 0].map((offset) => ({
      id: 1_700_000 + offset,
      date: shanghaiDay(offset),
      content: 'x',
    }));
    const diaries = await user.api.post('/sync/import', { source: 'wx_diaries', batch_no: 1, rows });
    expect(diaries.body).toMatchObject({ imported: 5, rejected: 0 });
    const points = await user.api.post('/sync/import', { source: 'wx_points', batch_no: 1, rows: [{ points: 50 }] });
    expect(points.body).toMatchObject({ imported: 1 });
    // The imported run still shows, but earns nothing, even re-published today.
    const profile = (await user.api.get('/user/profile')).body;
    expect(profile).toMatchObject({ continuous_days: 5, last_diary_date: shanghaiDay(0), points: 50 });
    const [{ id }] = await adminSql()<{ id: string }[]>`
      select id from diary.diaries where user_id = ${user.userId} and entry_date = ${shanghaiDay(0)}`;
    expect((await user.api.put(`/diary/${id}`, { is_draft: true })).status).toBe(200);
    expect((await user.api.put(`/diary/${id}`, { is_draft: false, content: 'edited' })).status).toBe(200);
    expect(await diaryPoints(user.userId)).toBe(50);
    const kinds = await adminSql()`select kind, reason from public.wallet_entries where user_id = ${user.userId}`;
    expect(kinds).toEqual([{ kind: 'adjust', reason: 'migration' }]);
  });

  it('deleting completed custom tasks and making new ones pays at most custom_tasks_per_day a date', async () => {
    const user = await wechatLogin();
    const cap = await perDay();
    const date = shanghaiDay();
    for (const round of ['first', 'second']) {
      const ids = await makeTasks(user, date, cap, round);
      for (const id of ids) {
        const done = await user.api.post(`/tasks/${id}/complete`, { date });
        if (round === 'first') expect(done.status).toBe(200);
        else expect([done.status, done.body.error?.code]).toEqual([422, 'BUSINESS_RULE_VIOLATION']);
      }
      // Deleted as the phone deletes them: a sync tombstone each, freeing the date for new tasks.
      for (const id of ids) {
        const gone = await push(user, 'delete', { id });
        expect(gone.body.results[0].status).toBe('applied');
      }
    }
    expect(await diaryPoints(user.userId)).toBe(cap * POINTS);
    const [{ n }] = await adminSql()`
      select count(*)::int as n from diary.task_completions
       where user_id = ${user.userId} and custom_task_id is not null`;
    expect(n).toBe(cap); // a refused completion records nothing
  });

  it('a completed custom task moved to another date and completed there pays nothing more', async () => {
    const user = await wechatLogin();
    const [id] = await makeTasks(user, shanghaiDay(-1), 1, 'move me');
    expect((await user.api.post(`/tasks/${id}/complete`, { date: shanghaiDay(-1) })).body.points_granted).toBe(POINTS);
    const moved = await push(user, 'upsert', {
      id,
      task_date: shanghaiDay(0),
      title: 'move me 0',
      points_reward: POINTS,
    });
    expect(moved.body.results[0].status).toBe('applied');
    const again = await user.api.post(`/tasks/${id}/complete`, { date: shanghaiDay(0) });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ date: shanghaiDay(0), points_granted: 0, replayed: false, balance: POINTS });
    expect(await diaryPoints(user.userId)).toBe(POINTS);
    expect(await rewardKeys(user.userId, 'diary_task')).toEqual([`diary_task:${id}`]);
  });

  it('custom_tasks_per_day + 3 completions of distinct tasks sent at the same moment pay exactly the cap', async () => {
    const user = await wechatLogin();
    const cap = await perDay();
    const date = shanghaiDay();
    // More live tasks than the cap on one date, as after an admin lowered custom_tasks_per_day: written around the
    // rules' trigger, which would refuse them today.
    const ids = Array.from({ length: cap + 3 }, () => crypto.randomUUID());
    await adminSql().begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      for (const [i, id] of ids.entries()) {
        await tx`insert into diary.custom_tasks (id, user_id, task_date, title, points_reward)
                 values (${id}, ${user.userId}, ${date}, ${`at once ${i}`}, ${POINTS})`;
      }
    });
    const answers = await sendAtOnce(
      syncClockOf(user.userId),
      ids.length,
      (i) => user.api.post(`/tasks/${ids[i]}/complete`, { date }),
    );
    expect(answers.filter((a) => a.status === 200 && a.body.points_granted === POINTS)).toHaveLength(cap);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused.map((a) => [a.status, envelope(a).code])).toEqual(Array(3).fill([422, 'BUSINESS_RULE_VIOLATION']));
    expect(await diaryPoints(user.userId)).toBe(cap * POINTS);
  });
});
