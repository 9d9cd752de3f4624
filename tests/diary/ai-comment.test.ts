// Growth Diary's AI comment (POST /diary/ai/comment-diary) through HTTP and the real worker app (in-process) against
// an OpenAI-compatible fake: what the child wrote is moderated before anything is queued, the comment lands in the
// diary's ai_comment, a comment the output check blocks leaves the diary alone, and when every model fails the
// template comment is the answer.
import { afterAll, describe, expect, it } from 'vitest';
import { fallbackComment } from '../../functions/_diary/ai.ts';
import { startFakeOpenAi } from '../fakes/openai.ts';
import { adminSql } from '../helpers/db.ts';
import { type DiaryUser, shanghaiDay, wechatLogin } from '../helpers/diary.ts';
import { inProcessApi, inProcessWorker } from '../helpers/in-process.ts';
import { aiTaskFinished, runUntil, workerApp, type WorkerRun } from '../helpers/worker.ts';

const model = await startFakeOpenAi();
afterAll(() => model.close());
/** A worker whose diary comments come from these models (the fake's answer names the model that wrote it). */
const workerWith = (models: string[], env: Record<string, string> = {}): WorkerRun =>
  workerApp(inProcessWorker({
    AI_BASE_URL: model.baseUrl,
    AI_API_KEY: 'sk-test',
    AI_MODELS: JSON.stringify({ 'diary.comment': models }),
    AI_RETRIES: '0',
    ...env,
  }));
const answering = workerWith(['ok-diary-teacher']);
// Our moderator refuses this model's answers (they hold its name), as it would an unkind comment.
const refused = workerWith(['ok-unkind-teacher'], { MODERATION_BLOCKLIST: 'ok-unkind-teacher' });
const unavailable = workerWith(['down-diary-a', 'down-diary-b']);

interface CommentTask {
  id: string;
  status: string;
  fallback: boolean;
  result: { content: string; blocked?: boolean } | null;
}

async function diaryOf(user: DiaryUser, content: string, mood = 'happy'): Promise<string> {
  const res = await user.api.post('/diary', { date: shanghaiDay(), content, mood, weather: 'sunny' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/** Asks for a comment on the diary and runs its task on `worker` until it finishes; the task as the owner reads it. */
async function commentOn(user: DiaryUser, diaryId: string, worker: WorkerRun): Promise<CommentTask> {
  const accepted = await user.api.post('/ai/comment-diary', { diary_id: diaryId });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
  const id = accepted.body.id as string;
  await runUntil(worker, id, aiTaskFinished(id));
  return (await user.api.get(`/ai/tasks/${id}`)).body;
}

const aiCommentOf = async (user: DiaryUser, diaryId: string) =>
  (await user.api.get(`/diary/${diaryId}`)).body.ai_comment as string | null;

describe('diary comment: through the AI task path', () => {
  it("a comment lands in the diary's ai_comment, as GET /diary/{id} reads it", { timeout: 30_000 }, async () => {
    const user = await wechatLogin();
    const diaryId = await diaryOf(user, '今天我学会了骑自行车');
    const task = await commentOn(user, diaryId, answering);
    expect(task).toMatchObject({ status: 'completed', fallback: false });
    expect(task.result?.content).toContain('ok-diary-teacher');
    expect(await aiCommentOf(user, diaryId)).toBe(task.result?.content);
  });

  it(
    "a comment the output moderation blocks leaves the diary's ai_comment as it was",
    { timeout: 30_000 },
    async () => {
      const user = await wechatLogin();
      const diaryId = await diaryOf(user, '今天和奶奶一起包饺子');
      const first = await commentOn(user, diaryId, answering);
      expect(await aiCommentOf(user, diaryId)).toBe(first.result?.content);

      const blocked = await commentOn(user, diaryId, refused);
      expect(blocked).toMatchObject({ status: 'completed', result: { blocked: true } });
      expect(await aiCommentOf(user, diaryId)).toBe(first.result?.content);
    },
  );

  it(
    "when every model fails, the template comment is written to the diary's ai_comment and the task says fallback",
    { timeout: 30_000 },
    async () => {
      const user = await wechatLogin();
      const content = '今天考试没考好，有点难过';
      const diaryId = await diaryOf(user, content, 'sad');
      const task = await commentOn(user, diaryId, unavailable);
      const template = fallbackComment({ content, mood: 'sad' });
      expect(task).toMatchObject({ status: 'completed', fallback: true, result: { content: template } });
      expect(await aiCommentOf(user, diaryId)).toBe(template);
    },
  );
});

describe('diary comment: a daily AI quota used up after the task was accepted', () => {
  const quotaOfOne = workerWith(['ok-diary-teacher'], { AI_DAILY_QUOTAS: JSON.stringify({ diary: 1 }) });

  it('fails the task at its first run, with the reason, instead of retrying until 00:00 UTC', {
    timeout: 30_000,
  }, async () => {
    const user = await wechatLogin();
    const diaryId = await diaryOf(user, '今天我帮妈妈浇花');
    const accepted = await user.api.post('/ai/comment-diary', { diary_id: diaryId });
    expect(accepted.status).toBe(202);
    const id = accepted.body.id as string;
    // Another of the user's AI calls succeeds in between, using the day's last place.
    await adminSql()`
      insert into internal.ai_usage (app_id, user_id, use_case, model, provider, latency_ms, outcome)
      values ('diary', ${user.userId}, 'diary.comment', 'ok-diary-teacher', 'test', 1, 'success')`;
    const [job] = await adminSql()<{ id: number }[]>`select id::int from internal.jobs where job_key = ${id}`;
    expect(await quotaOfOne([job.id])).toMatchObject({ claimed: 1 });
    expect((await user.api.get(`/ai/tasks/${id}`)).body).toMatchObject({ status: 'failed', result: null });
    const [failed] = await adminSql()<{ error: string }[]>`select error from public.ai_tasks where id = ${id}`;
    expect(failed.error).toMatch(/AI allowance/);
    expect(await aiCommentOf(user, diaryId)).toBeNull();
  });
});

describe("diary comment: the child's text is checked before anything is queued", () => {
  const api = inProcessApi({ MODERATION_BLOCKLIST: '打架' });

  it('a diary the moderator blocks: 422 CONTENT_BLOCKED and no task is queued', { timeout: 30_000 }, async () => {
    const user = await wechatLogin();
    const diaryId = await diaryOf(user, '今天在学校和同学打架了');
    const res = await api.request('/diary/ai/comment-diary', {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ diary_id: diaryId }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CONTENT_BLOCKED');
    expect(await adminSql()`select 1 from public.ai_tasks where user_id = ${user.userId}`).toHaveLength(0);
    expect(await aiCommentOf(user, diaryId)).toBeNull();
  });
});
