// Growth Diary's whole loop as a new user, through HTTP (the "Done when"): WeChat sign-in → import of the
// phone's wx storage (30 diaries, tasks, a balance) → diaries on consecutive and non-consecutive days (totals, streak,
// a delete that breaks it) → tasks (points once each) → draws until the points run out (each charged once) → an AI
// comment and picture through the task path → a second device pulls everything through sync.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi } from '../fakes/openai.ts';
import { adminSql } from '../helpers/db.ts';
import { pullAll } from '../helpers/sync-replica.ts';
import { envelope } from '../helpers/http.ts';
import { inProcessWorker } from '../helpers/in-process.ts';
import { stackEnv } from '../helpers/stack.ts';
import { diaryPoints, shanghaiDay, wechatLogin } from '../helpers/diary.ts';
import { aiTaskFinished, runUntil, workerApp } from '../helpers/worker.ts';

const fake = await startFakeOpenAi();
afterAll(() => fake.close());
/** The worker with the comment model played by the fake OpenAI and the picture model by the fake DashScope. */
const worker = workerApp(inProcessWorker({
  AI_BASE_URL: fake.baseUrl,
  AI_API_KEY: 'sk-test',
  AI_RETRIES: '0',
  AI_TIMEOUT_MS: '5000',
  AI_MODELS: JSON.stringify({ default: ['ok-diary'] }),
  DASHSCOPE_API_KEY: stackEnv().dashscope.apiKey,
  DASHSCOPE_BASE_URL: stackEnv().dashscope.url,
  DIARY_IMAGE_POLL_INTERVAL_MS: '20',
}));

/** The phone's local diaries: 30, every other day from 90 days ago, the last two drafts. */
const LOCAL_DIARIES = Array.from({ length: 30 }, (_, i) => ({
  id: 1_737_000_000_000 + i,
  date: shanghaiDay(-90 + 2 * i),
  content: `本地日记 ${i}`,
  mood: i % 2 ? 'happy' : 'calm',
  weather: 'sunny',
  tags: ['学习'],
  isDraft: i >= 28,
}));

const LOCAL_TASKS = [
  { id: 'write_diary', title: '写一篇日记', isSystem: true, isCompleted: true, taskDate: shanghaiDay(-40) },
  { id: 'homework', title: '按时完成作业', isSystem: true, isCompleted: false, taskDate: shanghaiDay(-40) },
  { id: 't-1', title: '练字', category: 'study', pointsReward: 10, isCompleted: true, taskDate: shanghaiDay(-40) },
  { id: 't-2', title: '浇花', category: 'unknown', pointsReward: 5, isCompleted: false, taskDate: shanghaiDay(-39) },
];

const OPENING = 120;

describe('Growth Diary: the journey of a new user', () => {
  it('sign-in → import → diaries → tasks → draws → AI → a second device syncs', { timeout: 180_000 }, async () => {
    const user = await wechatLogin();
    const { api, userId } = user;
    expect(user.signIn.userInfo).toEqual({ id: userId, nickname: null, avatar: null, points: 0 });

    // Import: diaries in two batches, tasks, the balance; a retried batch answers its first report.
    const imported = async (source: string, batch_no: number, rows: unknown[]) => {
      const res = await api.post('/sync/import', { source, batch_no, rows });
      expect(res.status).toBe(200);
      return res.body;
    };
    expect(await imported('wx_diaries', 1, LOCAL_DIARIES.slice(0, 20))).toMatchObject({ imported: 20 });
    const second = await imported('wx_diaries', 2, LOCAL_DIARIES.slice(20));
    expect(second).toMatchObject({ imported: 10, replayed: false });
    expect(await imported('wx_diaries', 2, LOCAL_DIARIES.slice(20))).toMatchObject({ imported: 10, replayed: true });
    // The same diaries again (a second import from the phone): found, not copied.
    expect(await imported('wx_diaries', 3, LOCAL_DIARIES.slice(0, 5))).toMatchObject({ imported: 0, skipped: 5 });
    expect(await imported('wx_user_tasks', 1, LOCAL_TASKS)).toMatchObject({ imported: 3, skipped: 1, rejected: 0 });
    expect(await imported('wx_points', 1, [{ points: OPENING }])).toMatchObject({ imported: 1 });
    expect(await imported('wx_points', 2, [{ points: OPENING }])).toMatchObject({ imported: 0, skipped: 1 });
    expect((await api.get('/sync/import/wx_diaries')).body.batches.map((b: { batch_no: number }) => b.batch_no))
      .toEqual([1, 2, 3]);

    // Imported: 28 diaries that count (2 drafts), the old run long over; only the opening balance was granted.
    let profile = (await api.get('/user/profile')).body;
    expect(profile).toMatchObject({ total_diaries: 28, continuous_days: 0, points: OPENING });
    expect(profile.last_diary_date).toBe(shanghaiDay(-90 + 2 * 27));
    const old = await api.get(`/tasks?date=${shanghaiDay(-40)}`);
    const done = old.body.items.filter((t: { is_completed: boolean }) => t.is_completed);
    expect(done.map((t: { title: string; points_granted: number }) => [t.title, t.points_granted]).sort())
      .toEqual([['写一篇日记', 0], ['练字', 0]]);

    // Diaries: one six days ago (alone), then four days in a row up to today.
    const write = async (offset: number) => {
      const res = await api.post('/diary', {
        date: shanghaiDay(offset),
        content: `今天是第 ${offset} 天，我去公园玩了。`,
        mood: 'happy',
        weather: 'sunny',
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    await write(-6);
    profile = (await api.get('/user/profile')).body;
    expect(profile).toMatchObject({ total_diaries: 29, continuous_days: 0, last_diary_date: shanghaiDay(-6) });
    await write(-3);
    const twoDaysAgo = await write(-2);
    await write(-1);
    profile = (await api.get('/user/profile')).body;
    expect(profile).toMatchObject({ total_diaries: 32, continuous_days: 3, last_diary_date: shanghaiDay(-1) });
    expect(profile.points).toBe(OPENING); // back-dated diaries earn nothing
    const today = await write(0);
    // Today's diary: the first of the day (5). The run shows 4 days, but the three before today were written late,
    // so the earning streak is today alone: no bonus.
    profile = (await api.get('/user/profile')).body;
    expect(profile).toMatchObject({ total_diaries: 33, continuous_days: 4, points: OPENING + 5 });
    const taken = await api.post('/diary', { date: shanghaiDay(0), content: 'again' });
    expect(taken.status).toBe(409);
    expect(envelope(taken).details[0].id).toBe(today);

    // A delete in the middle of the run breaks it: yesterday and today remain.
    expect((await api.del(`/diary/${twoDaysAgo}`)).status).toBe(204);
    profile = (await api.get('/user/profile')).body;
    expect(profile).toMatchObject({ total_diaries: 32, continuous_days: 2, points: OPENING + 5 });

    // Tasks: two of the catalog and one of our own, each granting once.
    const own = await api.post('/tasks', { date: shanghaiDay(0), title: '整理书包', points_reward: 7 });
    for (const id of ['write_diary', 'homework', own.body.id]) {
      expect((await api.post(`/tasks/${id}/complete`)).body.replayed).toBe(false);
      expect((await api.post(`/tasks/${id}/complete`)).body.replayed).toBe(true);
    }
    let balance = OPENING + 5 + 10 + 10 + 7;
    expect((await api.get('/points/balance')).body.balance).toBe(balance);

    // Draws until the points run out: each key charged once, its retry answered with the same draw.
    const prizes = (await api.get('/lottery/prizes')).body;
    expect(prizes.draw_cost).toBe(10);
    expect(prizes.prizes.map((p: { name: string }) => p.name)).toEqual([
      '小红花',
      '小星星',
      '彩虹贴纸',
      '小徽章',
      '神秘礼物',
    ]);
    const draws: string[] = [];
    for (let n = 1; balance >= 10; n++) {
      const key = `draw-${n}`;
      const res = await api.post('/lottery/draw', undefined, { 'idempotency-key': key });
      expect(res.status).toBe(200);
      balance -= 10;
      expect(res.body).toMatchObject({ cost: 10, balance, replayed: false });
      const retry = await api.post('/lottery/draw', undefined, { 'idempotency-key': key });
      expect(retry.body).toMatchObject({ id: res.body.id, balance, replayed: true });
      draws.push(res.body.id);
    }
    const broke = await api.post('/lottery/draw', undefined, { 'idempotency-key': 'one-more' });
    expect(broke.status).toBe(422);
    expect(envelope(broke).code).toBe('INSUFFICIENT_BALANCE');
    expect(draws).toHaveLength(15);
    expect(await diaryPoints(userId)).toBe(balance);
    const history = (await api.get('/lottery/records?limit=100')).body.items;
    expect(history.map((d: { id: string }) => d.id).sort()).toEqual([...draws].sort());
    // Every draw's charge is one ledger entry, and the entries add up to the balance.
    const records = (await api.get('/points/records?limit=100')).body.items;
    expect(records.filter((r: { related_type: string }) => r.related_type === 'lottery_draw')).toHaveLength(15);
    expect(records.reduce((sum: number, r: { amount: number }) => sum + r.amount, 0)).toBe(balance);
    expect(records.find((r: { source: string }) => r.source === 'adjust')).toMatchObject({
      amount: OPENING,
      description: 'migration',
    });

    // AI: a comment and a picture of today's diary, through the task path.
    const comment = await api.post('/ai/comment-diary', { diary_id: today });
    expect(comment.status).toBe(202);
    const picture = await api.post('/ai/generate-image', { diary_id: today });
    expect(picture.status).toBe(202);
    for (const task of [comment.body, picture.body]) await runUntil(worker, task.id, aiTaskFinished(task.id));
    const commented = (await api.get(`/ai/tasks/${comment.body.id}`)).body;
    expect(commented).toMatchObject({ status: 'completed', fallback: false });
    const drawn = (await api.get(`/ai/tasks/${picture.body.id}`)).body;
    expect(drawn.result.image_path).toBe(`diary/${userId}/images/${picture.body.id}.png`);
    const diary = (await api.get(`/diary/${today}`)).body;
    expect(diary).toMatchObject({ ai_comment: commented.result.content, ai_image_path: drawn.result.image_path });
    expect(await diaryPoints(userId)).toBe(balance); // AI costs nothing

    // A second device pulls everything the first one has.
    const replica = await pullAll(api.post, 'second-phone', 50);
    const server = await adminSql()`
      select 'diary.diaries/' || id as k from diary.diaries where user_id = ${userId}
      union all select 'diary.profiles/' || id from diary.profiles where user_id = ${userId}
      union all select 'diary.custom_tasks/' || id from diary.custom_tasks where user_id = ${userId}
      union all select 'diary.task_completions/' || id from diary.task_completions where user_id = ${userId}
      union all select 'diary.lottery_draws/' || id from diary.lottery_draws where user_id = ${userId}`;
    expect([...replica.keys()].sort()).toEqual(server.map((r) => r.k).sort());
    expect(replica.size).toBe(35 + 1 + 3 + 5 + 15);
    expect(replica.get(`diary.diaries/${twoDaysAgo}`)?.deleted_at).not.toBeNull();
    expect(replica.get(`diary.diaries/${today}`)).toMatchObject({ ai_comment: commented.result.content });
    expect(replica.get(`diary.profiles/${userId}`)).toMatchObject({ total_diaries: 32, continuous_days: 2 });
  });
});
