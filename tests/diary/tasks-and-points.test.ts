// Growth Diary's tasks and points through HTTP: a day's tasks (catalog and own) with their completion, completing one
// grants its points once however many times it is sent at the same moment, another user's task is not found, and the
// point history reads as the seed's point_records; spending is the platform's consume with an Idempotency-Key.
import { describe, expect, it } from 'vitest';
import { sendAtOnce, syncClockOf } from '../helpers/at-once.ts';
import { adminSql } from '../helpers/db.ts';
import { envelope } from '../helpers/http.ts';
import { diaryPoints, shanghaiDay, wechatLogin } from '../helpers/diary.ts';

describe('Growth Diary: tasks and points', () => {
  it("lists a day's catalog and own tasks with their completion state", async () => {
    const { api } = await wechatLogin();
    const today = shanghaiDay();
    const own = await api.post('/tasks', { date: today, title: '练字', category: 'study', points_reward: 8 });
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ type: 'custom', title: '练字', points_reward: 8, is_completed: false });
    expect((await api.post('/tasks/write_diary/complete')).status).toBe(200);

    const day = await api.get(`/tasks?date=${today}`);
    expect(day.body.date).toBe(today);
    const byId = Object.fromEntries(day.body.items.map((t: { id: string }) => [t.id, t]));
    expect(byId.write_diary).toMatchObject({
      type: 'system',
      title: '写一篇日记',
      is_completed: true,
      points_granted: 10,
    });
    expect(byId.homework).toMatchObject({ type: 'system', is_completed: false, completed_at: null });
    expect(byId[own.body.id]).toMatchObject({ type: 'custom', is_completed: false });
    // Another day shows the catalog afresh: nothing done, the own task not there.
    const tomorrow = await api.get(`/tasks?date=${shanghaiDay(1)}&locale=en`);
    expect(tomorrow.body.items.every((t: { is_completed: boolean }) => !t.is_completed)).toBe(true);
    expect(tomorrow.body.items.find((t: { id: string }) => t.id === 'write_diary').title).toBe('Write a diary');
    expect(tomorrow.body.items.some((t: { id: string }) => t.id === own.body.id)).toBe(false);
  });

  it('keeps a system task the catalog retired in the history of a day it was completed, and only there', async () => {
    const user = await wechatLogin();
    const key = `retired_${crypto.randomUUID().slice(0, 8)}`;
    // Retired from the start, so no other test ever sees it in a day's list; its completion is recorded as
    // complete_task records one.
    await adminSql()`
      insert into diary.system_tasks (key, title, category, points_reward, active)
      values (${key}, ${adminSql().json({ 'zh-CN': '旧任务' })}, 'daily', 3, false)`;
    const yesterday = shanghaiDay(-1);
    await adminSql()`
      insert into diary.task_completions (user_id, system_task_key, task_date, points_granted)
      values (${user.userId}, ${key}, ${yesterday}, 3)`;
    const then = await user.api.get(`/tasks?date=${yesterday}`);
    expect(then.body.items.find((t: { id: string }) => t.id === key)).toMatchObject({
      type: 'system',
      title: '旧任务',
      is_completed: true,
      points_granted: 3,
    });
    const today = await user.api.get(`/tasks?date=${shanghaiDay()}`);
    expect(today.body.items.some((t: { id: string }) => t.id === key)).toBe(false);
  });

  it('grants a completion once: 8 sends at the same moment answer the same completion, one of them new', async () => {
    const user = await wechatLogin();
    const own = await user.api.post('/tasks', { date: shanghaiDay(), title: '读绘本', points_reward: 7 });
    const answers = await sendAtOnce(
      syncClockOf(user.userId),
      8,
      () => user.api.post(`/tasks/${own.body.id}/complete`, { date: shanghaiDay() }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.filter((a) => !a.body.replayed)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.body.completed_at)).size).toBe(1);
    expect(answers.every((a) => a.body.points_granted === 7)).toBe(true);
    expect(await diaryPoints(user.userId)).toBe(7);
    const records = await user.api.get('/points/records');
    expect(records.body.items).toEqual([
      expect.objectContaining({ amount: 7, balance_after: 7, source: 'reward', related_type: 'diary_task' }),
    ]);
  });

  it('holds a day to custom_tasks_per_day tasks when more are sent at the same moment', async () => {
    const user = await wechatLogin();
    const [{ perDay }] = await adminSql()<{ perDay: number }[]>`
      select (diary.setting('points_rules', '{custom_tasks_per_day}'))::int as "perDay"`;
    const date = shanghaiDay(-1);
    const answers = await sendAtOnce(
      syncClockOf(user.userId),
      perDay + 3,
      (i) => user.api.post('/tasks', { date, title: `任务 ${i}`, points_reward: 20 }),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(perDay);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused.map((a) => [a.status, envelope(a).code])).toEqual(Array(3).fill([422, 'BUSINESS_RULE_VIOLATION']));
    const day = await user.api.get(`/tasks?date=${date}`);
    expect(day.body.items.filter((t: { type: string }) => t.type === 'custom')).toHaveLength(perDay);
  });

  it("refuses another user's task (404), a future date (400) and an unknown task (404)", async () => {
    const me = await wechatLogin();
    const other = await wechatLogin();
    const theirs = await other.api.post('/tasks', { date: shanghaiDay(), title: '他们的任务', points_reward: 5 });
    const stolen = await me.api.post(`/tasks/${theirs.body.id}/complete`, { date: shanghaiDay() });
    expect(stolen.status).toBe(404);
    expect(envelope(stolen).code).toBe('NOT_FOUND');
    const future = await me.api.post('/tasks/homework/complete', { date: shanghaiDay(2) });
    expect(future.status).toBe(400);
    expect(envelope(future).code).toBe('VALIDATION_FAILED');
    expect((await me.api.post('/tasks/no_such_task/complete')).status).toBe(404);
    expect(await diaryPoints(me.userId)).toBe(0);
    expect(
      (await other.api.get(`/tasks?date=${shanghaiDay()}`)).body.items.find(
        (t: { id: string }) => t.id === theirs.body.id,
      ).is_completed,
    ).toBe(false);
  });

  it('spends points with points/deduct once per Idempotency-Key, 422 when short, and shows the balance', async () => {
    const user = await wechatLogin();
    await user.api.post('/tasks/write_diary/complete');
    await user.api.post('/tasks/homework/complete');
    expect((await user.api.get('/points/balance')).body.balance).toBe(20);
    const spend = { amount: 15, description: '兑换贴纸', related_type: 'reward_shop' };
    const first = await user.api.post('/points/deduct', spend, { 'idempotency-key': 'sticker-1' });
    expect(first.body).toMatchObject({ balance: 5, replayed: false, transaction: { amount: -15, kind: 'consume' } });
    const again = await user.api.post('/points/deduct', spend, { 'idempotency-key': 'sticker-1' });
    expect(again.body).toMatchObject({ balance: 5, replayed: true });
    const short = await user.api.post('/points/deduct', spend, { 'idempotency-key': 'sticker-2' });
    expect(short.status).toBe(422);
    expect(envelope(short).code).toBe('INSUFFICIENT_BALANCE');
    expect((await user.api.post('/points/deduct', spend)).status).toBe(400);
    expect((await user.api.get('/points/balance')).body.balance).toBe(5);
    const records = (await user.api.get('/points/records')).body.items;
    expect(records.map((r: { amount: number }) => r.amount)).toEqual([-15, 10, 10]);
    expect(records[0]).toMatchObject({ source: 'consume', description: '兑换贴纸', related_type: 'reward_shop' });
  });
});
