// The wx-storage import keeps what the child wrote ("nothing is lost when the phone is"): a local record outside the
// cloud's rules is brought within them and kept, and its row report says what was changed (`adjusted`); a balance that
// grants nothing says why.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { wechatLogin } from '../helpers/diary.ts';

describe('Growth Diary: the wx-storage import keeps records outside the rules', () => {
  it('keeps a diary whose mood or weather the cloud does not know, as not chosen, and says so', async () => {
    const user = await wechatLogin();
    const answer = await user.api.post('/sync/import', {
      source: 'wx_diaries',
      batch_no: 1,
      rows: [{ id: 1, date: '2025-01-18', content: '下雪了', mood: 'sleepy', weather: 'hail' }],
    });
    expect(answer.body.rows[0]).toMatchObject({ status: 'imported' });
    expect(answer.body.rows[0].adjusted).toEqual([
      expect.stringContaining('mood: "sleepy"'),
      expect.stringContaining('weather: "hail"'),
    ]);
    const rows = await adminSql()`
      select content, mood, weather from diary.diaries where user_id = ${user.userId}`;
    expect(rows).toEqual([{ content: '下雪了', mood: null, weather: null }]);
  });

  it('keeps a diary longer than 5000 characters: its first 5000, and says so', async () => {
    const user = await wechatLogin();
    const content = '春'.repeat(4999) + '😀'.repeat(1001);
    const answer = await user.api.post('/sync/import', {
      source: 'wx_diaries',
      batch_no: 1,
      rows: [{ id: 'long', date: '2025-01-19', content }],
    });
    expect(answer.body.rows[0]).toMatchObject({
      status: 'imported',
      adjusted: ['content: the first 5000 of 6000 characters kept'],
    });
    const [row] = await adminSql()<{ content: string }[]>`
      select content from diary.diaries where user_id = ${user.userId}`;
    expect(row.content).toBe('春'.repeat(4999) + '😀');
  });

  it('keeps a custom task rewarding over custom_task_max_points at the cap, with its completion; says so', async () => {
    const user = await wechatLogin();
    const [{ cap }] = await adminSql()<{ cap: number }[]>`
      select (diary.setting('points_rules', '{custom_task_max_points}'))::int as cap`;
    const answer = await user.api.post('/sync/import', {
      source: 'wx_user_tasks',
      batch_no: 1,
      rows: [{ id: 't-1', title: '练字', pointsReward: cap + 30, isCompleted: true, taskDate: '2025-01-18' }],
    });
    expect(answer.body.rows[0]).toMatchObject({
      status: 'imported',
      adjusted: [`points_reward: ${cap + 30} is over the cap; kept as ${cap}`],
    });
    const tasks = await adminSql()`
      select t.points_reward, c.points_granted from diary.custom_tasks t
        join diary.task_completions c on c.custom_task_id = t.id
       where t.user_id = ${user.userId}`;
    expect(tasks).toEqual([{ points_reward: cap, points_granted: 0 }]);
  });

  it('keeps more than custom_tasks_per_day custom tasks of one past day, each with its completion', async () => {
    const user = await wechatLogin();
    const [{ perDay }] = await adminSql()<{ perDay: number }[]>`
      select (diary.setting('points_rules', '{custom_tasks_per_day}'))::int as "perDay"`;
    const rows = Array.from({ length: perDay + 2 }, (_, i) => ({
      id: `day-${i}`,
      title: `任务 ${i}`,
      isCompleted: true,
      taskDate: '2025-01-18',
    }));
    const answer = await user.api.post('/sync/import', { source: 'wx_user_tasks', batch_no: 1, rows });
    expect(answer.body).toMatchObject({ imported: perDay + 2, rejected: 0 });
    const [{ tasks, done }] = await adminSql()`
      select count(distinct t.id)::int as tasks, count(c.id)::int as done from diary.custom_tasks t
        left join diary.task_completions c on c.custom_task_id = t.id
       where t.user_id = ${user.userId}`;
    expect({ tasks, done }).toEqual({ tasks: perDay + 2, done: perDay + 2 });
  });

  it('reports a balance of 0 as nothing to grant, not as imported before', async () => {
    const user = await wechatLogin();
    const answer = await user.api.post('/sync/import', { source: 'wx_points', batch_no: 1, rows: [{ points: 0 }] });
    expect(answer.body.rows[0]).toMatchObject({ status: 'skipped', reason: 'a balance of 0: nothing to grant' });
  });
});
