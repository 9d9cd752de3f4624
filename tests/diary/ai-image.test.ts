// Growth Diary's picture task through HTTP and the real worker app (in-process) against a DashScope fake of this
// file's own: the daily AI quota at accept (requests sent at once too), one DashScope submission however often (and
// however concurrently) the job runs after it, polls on later runs up to a deadline, and the picture's checks
// (DashScope's inspection, our moderator over the prompt it was actually drawn from) failing the task with nothing
// stored.
import { afterAll, describe, expect, it } from 'vitest';
import { imagePath } from '../../functions/_diary/image-task.ts';
import { startFakeDashScope } from '../fakes/dashscope.ts';
import { adminSql } from '../helpers/db.ts';
import { type DiaryUser, shanghaiDay, uploadDiaryImage, wechatLogin } from '../helpers/diary.ts';
import { envelope } from '../helpers/http.ts';
import { inProcessApi, inProcessWorker } from '../helpers/in-process.ts';
import { sendAtOnce, userRowOf } from '../helpers/at-once.ts';
import { aiTaskFinished, jobOf, leaseRunsOut, runUntil, workerApp } from '../helpers/worker.ts';

const fake = await startFakeDashScope();
afterAll(() => fake.close());
const workerEnv = {
  DASHSCOPE_API_KEY: fake.apiKey,
  DASHSCOPE_BASE_URL: fake.baseUrl,
  DIARY_IMAGE_POLL_INTERVAL_MS: '20',
  // The fake rewrites a prompt holding "monster" to hold this (as prompt_extend may): our moderator refuses it.
  MODERATION_BLOCKLIST: '怪物',
};
// A worker function instance, as pg_cron's and pg_net's calls reach one.
const workerA = workerApp(inProcessWorker(workerEnv));
// Two more, polling only when a test makes the job due (as two Edge Function instances): a run goes on claiming due
// jobs until its budget is spent, so with a short interval one run could claim its own snoozed job again and a test
// could not tell one run's work.
const steadyEnv = { ...workerEnv, DIARY_IMAGE_POLL_INTERVAL_MS: '60000' };
const steadyA = workerApp(inProcessWorker(steadyEnv));
const steadyB = workerApp(inProcessWorker(steadyEnv));
const dueNow = (jobId: number) => adminSql()`update internal.jobs set run_at = now() where id = ${jobId}`;

interface TaskRow {
  status: string;
  error: string | null;
  provider_task_id: string | null;
  result: { image_path?: string } | null;
}
const task = async (id: string) =>
  (await adminSql()<TaskRow[]>`
    select status, error, provider_task_id, result from public.ai_tasks where id = ${id}`)[0];
/** The picture tasks DashScope was asked to make from a prompt holding this text. */
const submissions = (marker: string) =>
  fake.calls.filter((c) =>
    c.path === '/api/v1/services/aigc/text2image/image-synthesis' && String(c.body?.input?.prompt).includes(marker)
  ).length;
const storedPicture = async (userId: string, id: string) =>
  (await adminSql()`
    select 1 from storage.objects where bucket_id = 'results' and name = ${imagePath(userId, id)}`).length > 0;

async function pictureOf(user: DiaryUser, content: string): Promise<string> {
  const res = await user.api.post('/ai/generate-image', { content, mood: 'happy', weather: 'sunny' });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id;
}

describe('diary picture: one DashScope task, polled across runs', () => {
  it(
    'the first run submits and snoozes; retried and racing runs after it poll that task and never submit again',
    { timeout: 60_000 },
    async () => {
      const user = await wechatLogin();
      const marker = `kite-${crypto.randomUUID().slice(0, 8)}`;
      const id = await pictureOf(user, `今天在公园放风筝 ${marker}`);

      // One run submits, records DashScope's task and snoozes: it does not wait for the picture.
      const job = await jobOf(id);
      expect(await steadyA([job.id])).toMatchObject({ claimed: 1, snoozed: 1 });
      const submitted = await task(id);
      expect(submitted).toMatchObject({ status: 'processing', result: null });
      expect(submitted.provider_task_id).toEqual(expect.any(String));
      expect(submissions(marker)).toBe(1);

      // A retry of the run (the job made due again at once) polls the recorded task.
      await dueNow(job.id);
      expect(await steadyB([job.id])).toMatchObject({ claimed: 1, snoozed: 1 });

      // Two workers at once: A is held polling, its lease runs out, B claims the job and polls too.
      await dueNow(job.id);
      const held = fake.holdNext('poll');
      const first = steadyA([job.id]);
      await held.arrived;
      await leaseRunsOut(job.id);
      expect(await steadyB([job.id])).toMatchObject({ claimed: 1, snoozed: 1 });
      held.release();
      await first;

      await dueNow(job.id);
      await runUntil(workerA, id, aiTaskFinished(id));
      const done = await task(id);
      expect(done).toMatchObject({ status: 'completed', provider_task_id: submitted.provider_task_id });
      expect(done.result?.image_path).toBe(imagePath(user.userId, id));
      expect(await storedPicture(user.userId, id)).toBe(true);
      expect(submissions(marker)).toBe(1);
    },
  );

  it(
    'a picture not ready by the deadline fails the task with the reason and stores nothing',
    { timeout: 30_000 },
    async () => {
      const user = await wechatLogin();
      const id = await pictureOf(user, '下雨天在家里看书 slow');
      await workerA([(await jobOf(id)).id]);
      expect((await task(id)).provider_task_id).toEqual(expect.any(String));
      // The clock passes the deadline (DIARY_IMAGE_DEADLINE_SECONDS from the submission) while it still draws.
      await adminSql()`update public.ai_tasks set started_at = now() - interval '1 day' where id = ${id}`;
      await runUntil(workerA, id, aiTaskFinished(id));
      expect(await task(id)).toMatchObject({ status: 'failed', result: null });
      expect((await task(id)).error).toMatch(/not ready within \d+ s/);
      expect(await storedPicture(user.userId, id)).toBe(false);
    },
  );
});

describe('diary picture: checked like every AI answer', () => {
  it.each([
    ["DashScope's content inspection refused", '画一幅画 inspect-refuse', /refused by DashScope's content inspection/],
    ['drawn from a rewritten prompt our moderator refuses', '我梦见了一个 monster', /refused by moderation/],
  ])('a picture %s fails the task with that reason and stores nothing', { timeout: 30_000 }, async (_, text, why) => {
    const user = await wechatLogin();
    const id = await pictureOf(user, text);
    await runUntil(workerA, id, aiTaskFinished(id));
    const failed = await task(id);
    expect(failed).toMatchObject({ status: 'failed', result: null });
    expect(failed.error).toMatch(why);
    expect(await storedPicture(user.userId, id)).toBe(false);
  });
});

describe('attaching a picture to a diary: PUT /diary/{id} {ai_image_path} (diary.attach_ai_image)', () => {
  const written = '今天去海边堆沙堡';
  const diaryOf = async (user: DiaryUser) => {
    const res = await user.api.post('/diary', { date: shanghaiDay(), content: written });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  /** A picture the user was made: a finished diary.image task's result. */
  const finishedPicture = async (user: DiaryUser) => {
    const id = await pictureOf(user, '海边的沙堡和贝壳');
    await runUntil(workerA, id, aiTaskFinished(id));
    return (await task(id)).result!.image_path!;
  };

  it("attaches one of the caller's finished AI pictures to their diary", { timeout: 30_000 }, async () => {
    const user = await wechatLogin();
    const diaryId = await diaryOf(user);
    const path = await finishedPicture(user);
    const res = await user.api.put(`/diary/${diaryId}`, { ai_image_path: path });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.ai_image_path).toBe(path);
    expect((await user.api.get(`/diary/${diaryId}`)).body.ai_image_path).toBe(path);
  });

  it.each([
    ["another user's finished picture", (_: DiaryUser) => wechatLogin().then(finishedPicture)],
    ['an unknown path', (user: DiaryUser) => Promise.resolve(imagePath(user.userId, crypto.randomUUID()))],
    [
      'the path of their picture task not finished yet',
      async (user: DiaryUser) => imagePath(user.userId, await pictureOf(user, '还没画好的画')),
    ],
    ['their own uploaded diary image (not an AI picture)', uploadDiaryImage],
  ])(
    'refuses %s: 404 NOT_FOUND, and the diary keeps its picture and the other fields sent',
    { timeout: 30_000 },
    async (_, pathFor) => {
      const user = await wechatLogin();
      const diaryId = await diaryOf(user);
      const own = await finishedPicture(user);
      expect((await user.api.put(`/diary/${diaryId}`, { ai_image_path: own })).status).toBe(200);

      const res = await user.api.put(`/diary/${diaryId}`, {
        content: '改写的日记',
        ai_image_path: await pathFor(user),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(404);
      expect(envelope(res).code).toBe('NOT_FOUND');
      expect((await user.api.get(`/diary/${diaryId}`)).body).toMatchObject({ content: written, ai_image_path: own });
    },
  );
});

describe('diary AI tasks: one daily AI quota for comments and pictures', () => {
  type Api = ReturnType<typeof inProcessApi>;
  const api = inProcessApi({ AI_DAILY_QUOTAS: JSON.stringify({ diary: 1 }) });
  const postTo = (app: Api, user: DiaryUser, path: string, body: unknown) =>
    app.request(`/diary${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const post = (user: DiaryUser, path: string, body: unknown) => postTo(api, user, path, body);
  const generate = (user: DiaryUser, content = '和妈妈一起做饭') => post(user, '/ai/generate-image', { content });
  const expectQuotaRefusal = async (refused: Response) => {
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('AI_QUOTA_EXCEEDED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  };
  const tasksOf = async (userId: string) =>
    (await adminSql()`select 1 from public.ai_tasks where user_id = ${userId}`).length;

  it(
    "a picture made counts against the quota; past it the request gets the gateway's 429 and nothing is queued",
    { timeout: 30_000 },
    async () => {
      const user = await wechatLogin();
      const accepted = await generate(user);
      expect(accepted.status).toBe(202);
      const id = ((await accepted.json()) as { id: string }).id;
      await runUntil(workerA, id, aiTaskFinished(id));
      expect(await task(id)).toMatchObject({ status: 'completed' });

      await expectQuotaRefusal(await generate(user));
      expect(await tasksOf(user.userId)).toBe(1);
    },
  );

  it(
    'a comment counts against the same quota; past it comment-diary is refused with 429 and nothing is queued',
    { timeout: 30_000 },
    async () => {
      const user = await wechatLogin();
      const written = await post(user, '/diary', { date: shanghaiDay(), content: '今天我学会了骑自行车' });
      expect(written.status).toBe(201);
      const diaryId = ((await written.json()) as { id: string }).id;
      const accepted = await post(user, '/ai/comment-diary', { diary_id: diaryId });
      expect(accepted.status).toBe(202);
      const id = ((await accepted.json()) as { id: string }).id;
      await runUntil(workerA, id, aiTaskFinished(id));
      expect(await task(id)).toMatchObject({ status: 'completed' });

      await expectQuotaRefusal(await post(user, '/ai/comment-diary', { diary_id: diaryId }));
      await expectQuotaRefusal(await generate(user));
      expect(await tasksOf(user.userId)).toBe(1);
    },
  );

  it('a failed picture is no success: it frees its place in the day', { timeout: 30_000 }, async () => {
    const user = await wechatLogin();
    // DashScope's inspection refuses a prompt holding "unsafe": the task fails.
    const accepted = await generate(user, '画一幅画 unsafe');
    expect(accepted.status).toBe(202);
    const id = ((await accepted.json()) as { id: string }).id;
    // In flight, it holds the day's one place.
    await expectQuotaRefusal(await generate(user));
    await runUntil(workerA, id, aiTaskFinished(id));
    expect(await task(id)).toMatchObject({ status: 'failed' });

    expect((await generate(user)).status).toBe(202);
    expect(await tasksOf(user.userId)).toBe(2);
  });

  describe('requests sent at the same moment', () => {
    const QUOTA = 3;
    const SENT = 10;
    // Each request waits at the gate holding one of the pool's connections: the pool has room for all of them.
    const burstApi = inProcessApi({
      AI_DAILY_QUOTAS: JSON.stringify({ diary: QUOTA }),
      DB_POOL_MAX: String(SENT + 4),
    });

    it(
      `${SENT} picture requests at once with a quota of ${QUOTA}: exactly ${QUOTA} are accepted, the rest get 429 ` +
        'AI_QUOTA_EXCEEDED with Retry-After, and only the accepted are queued',
      { timeout: 60_000 },
      async () => {
        const user = await wechatLogin();
        // Every accepted task's insert checks its user against the auth.users row the gate holds.
        const answers = await sendAtOnce(
          userRowOf(user.userId),
          SENT,
          async (i) => await postTo(burstApi, user, '/ai/generate-image', { content: `在公园里画画 ${i}` }),
        );
        const accepted = answers.filter((a) => a.status === 202);
        expect(answers.map((a) => a.status).sort()).toEqual([
          ...Array(QUOTA).fill(202),
          ...Array(SENT - QUOTA).fill(429),
        ]);
        for (const refused of answers.filter((a) => a.status !== 202)) await expectQuotaRefusal(refused);
        const queued = await adminSql()<{ id: string }[]>`
          select t.id from public.ai_tasks t join internal.jobs j on j.job_key = t.id::text
           where t.user_id = ${user.userId}`;
        const ids = await Promise.all(accepted.map(async (a) => ((await a.json()) as { id: string }).id));
        expect(queued.map((t) => t.id).sort()).toEqual(ids.sort());
      },
    );
  });
});
