// The emoji job run by the real worker app (its POST /run and production handlers, in-process) against a DashScope
// fake of this file's own, which can stage an outage and hold a request in flight: the task's deadline, retries
// until the job's last attempt, a task deleted while it runs, and two workers racing for one job. Tasks are made
// through the stack's routes (sign-in, store purchase, upload, detect, create); only the worker runs here.
import { afterAll, describe, expect, it } from 'vitest';
import { resultPath } from '../../functions/_pickitchen/emoji-job.ts';
import { type FakeDashScopeStep, startFakeDashScope } from '../fakes/dashscope.ts';
import { adminSql } from '../helpers/db.ts';
import { call } from '../helpers/http.ts';
import { inProcessApi, inProcessWorker } from '../helpers/in-process.ts';
import {
  acceptedEmojiTask,
  buyPack,
  deviceLogin,
  type PicKitchenUser,
  points,
  uploadPhoto,
} from '../helpers/pickitchen.ts';
import {
  backoffElapses,
  emojiTaskFinished,
  jobOf,
  leaseRunsOut,
  runUntil,
  untilDue,
  workerApp,
} from '../helpers/worker.ts';

const fake = await startFakeDashScope();
afterAll(() => fake.close());
const workerEnv = {
  DASHSCOPE_API_KEY: fake.apiKey,
  DASHSCOPE_BASE_URL: fake.baseUrl,
  EMOJI_POLL_INTERVAL_SECONDS: '1',
};
// Two instances of the worker function, as two Edge Function instances serving pg_cron's and pg_net's calls.
const workerA = workerApp(inProcessWorker(workerEnv));
const workerB = workerApp(inProcessWorker(workerEnv));

interface TaskRow {
  status: string;
  provider_task_id: string | null;
  result_path: string | null;
  error_code: string | null;
  refunded: boolean;
  deadline_at: Date;
  created_at: Date;
}
const task = async (id: string) =>
  (await adminSql()<TaskRow[]>`select * from pickitchen.emoji_tasks where id = ${id}`)[0];
const ledger = (id: string) =>
  adminSql()`
    select kind, amount::int from public.wallet_entries where ref_type = 'emoji_task' and ref_id = ${id} order by id`;
const storedVideo = async (userId: string, id: string) =>
  (await adminSql()`select 1 from storage.objects where bucket_id = 'results' and name = ${
    resultPath({ id, user_id: userId })
  }`).length > 0;
/** How often the worker asked the fake about this task's provider task. */
const polls = async (id: string) => {
  const providerTaskId = (await task(id)).provider_task_id;
  return fake.calls.filter((c) => c.method === 'GET' && c.path === `/api/v1/tasks/${providerTaskId}`).length;
};
/** Drives the task up to the poll before the one that finds its video ready (PENDING, RUNNING, then SUCCEEDED). */
const untilRendered = (id: string) => runUntil(workerA, id, async () => (await polls(id)) >= 2);
/** The task failed with this code, its points came back in one refund, and no video of it is kept. */
async function expectFailedAndRefundedOnce(user: PicKitchenUser, taskId: string, code: string) {
  expect(await task(taskId)).toMatchObject({ status: 'failed', error_code: code, refunded: true, result_path: null });
  expect(await ledger(taskId)).toEqual([{ kind: 'consume', amount: -10 }, { kind: 'refund', amount: 10 }]);
  expect(await points(user.token)).toBe(500);
  expect(await storedVideo(user.userId, taskId)).toBe(false);
}
/** The clock passes the task's deadline. */
const deadlinePasses = (id: string) =>
  adminSql()`update pickitchen.emoji_tasks set deadline_at = now() - interval '1 second' where id = ${id}`;

describe('emoji job: deadline', () => {
  const api = inProcessApi({ EMOJI_TASK_DEADLINE_MINUTES: '7' });

  it(
    'a task gets EMOJI_TASK_DEADLINE_MINUTES; still rendering then, it fails with "deadline", refunded once, ' +
      'and the provider is not asked again',
    { timeout: 30_000 },
    async () => {
      const user = await deviceLogin();
      await buyPack(user.userId);
      const path = await uploadPhoto(user);
      expect((await call('POST', '/pickitchen/emoji/detect', { token: user.token, json: { image_path: path } })).status)
        .toBe(200);
      const created = await api.request('/pickitchen/emoji/create', {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ image_path: path, driven_id: 'mengwa_kaixin' }),
      });
      expect(created.status).toBe(202);
      const id = ((await created.json()) as { task_id: string }).task_id;
      const accepted = await task(id);
      expect(accepted.deadline_at.getTime() - accepted.created_at.getTime()).toBe(7 * 60_000);

      await runUntil(workerA, id, async () => (await polls(id)) >= 1);
      expect(await task(id)).toMatchObject({ status: 'processing', refunded: false });
      await deadlinePasses(id);
      const before = await polls(id);
      const job = await jobOf(id);
      await untilDue(job);
      expect(await workerA([job.id])).toMatchObject({ claimed: 1, succeeded: 1 });
      await expectFailedAndRefundedOnce(user, id, 'deadline');
      expect(await polls(id)).toBe(before);
      expect(await workerA([job.id])).toMatchObject({ claimed: 0 });
    },
  );
});

describe('emoji job: retries', () => {
  it(
    "a DashScope outage is retried until the job's last attempt, charged meanwhile; " +
      'then the task fails and is refunded once',
    { timeout: 30_000 },
    async () => {
      const { user, taskId } = await acceptedEmojiTask();
      const job = await jobOf(taskId);
      expect(job.max_attempts).toBe(8);
      fake.outage = true;
      try {
        for (let attempt = 1; attempt < job.max_attempts; attempt++) {
          expect(await workerA([job.id]), `attempt ${attempt}`).toMatchObject({ claimed: 1, failed: 1 });
          expect(await jobOf(taskId)).toMatchObject({
            status: 'failed',
            attempts: attempt,
            last_error: expect.stringContaining('InternalError'),
          });
          expect(await task(taskId)).toMatchObject({ status: 'pending', refunded: false });
          await backoffElapses(job.id);
        }
        expect(await points(user.token)).toBe(490);
        expect(await workerA([job.id])).toMatchObject({ claimed: 1, succeeded: 1 });
      } finally {
        fake.outage = false;
      }
      await expectFailedAndRefundedOnce(user, taskId, 'InternalError');
      expect(await jobOf(taskId)).toMatchObject({ status: 'succeeded', attempts: 8 });
      expect(await workerA([job.id])).toMatchObject({ claimed: 0 });
    },
  );
});

describe('emoji job: deleted while running', () => {
  it('deleted between polls: the next run fails it as "deleted" without asking the provider, refunded once', {
    timeout: 30_000,
  }, async () => {
    const { user, taskId } = await acceptedEmojiTask();
    await runUntil(workerA, taskId, async () => (await task(taskId)).status === 'processing');
    expect((await call('DELETE', `/pickitchen/emoji/task/${taskId}`, { token: user.token })).status).toBe(204);
    const before = await polls(taskId);
    await runUntil(workerA, taskId, emojiTaskFinished(taskId));
    await expectFailedAndRefundedOnce(user, taskId, 'deleted');
    expect(await polls(taskId)).toBe(before);
  });

  it('deleted while its video downloads: the task ends failed and refunded once, and the stored video is removed', {
    timeout: 30_000,
  }, async () => {
    const { user, taskId } = await acceptedEmojiTask();
    await untilRendered(taskId);
    const download = fake.holdNext('video');
    const finishing = runUntil(workerA, taskId, emojiTaskFinished(taskId));
    await download.arrived;
    expect((await call('DELETE', `/pickitchen/emoji/task/${taskId}`, { token: user.token })).status).toBe(204);
    download.release();
    await finishing;
    await expectFailedAndRefundedOnce(user, taskId, 'deleted');
  });
});

describe('emoji job: two workers on one job', () => {
  /**
   * The run that finds the video ready, by two workers: A claims the job and the fake holds it at `step`; A's lease
   * runs out (and `meanwhile` happens); B claims the job and runs it to its end; then A goes on, too late.
   */
  async function raceForJob(
    taskId: string,
    step: FakeDashScopeStep,
    meanwhile: () => Promise<unknown> = async () => {},
  ) {
    await untilRendered(taskId);
    const job = await jobOf(taskId);
    await untilDue(job);
    const held = fake.holdNext(step);
    const first = workerA([job.id]);
    await held.arrived;
    await leaseRunsOut(job.id);
    await meanwhile();
    expect(await workerB([job.id])).toMatchObject({ claimed: 1, succeeded: 1 });
    held.release();
    expect(await first).toMatchObject({ claimed: 1, lost: 1 });
  }

  it(
    "both finish the video (the first one's lease ran out while it downloaded): " +
      'one completed task, its video kept, charged once',
    { timeout: 30_000 },
    async () => {
      const { user, taskId } = await acceptedEmojiTask();
      await raceForJob(taskId, 'video');
      const done = await task(taskId);
      expect(done).toMatchObject({
        status: 'completed',
        refunded: false,
        result_path: resultPath({ id: taskId, user_id: user.userId }),
      });
      expect(await storedVideo(user.userId, taskId)).toBe(true);
      const shown = await call('GET', `/pickitchen/emoji/task/${taskId}`, { token: user.token });
      expect(new TextDecoder().decode(await (await fetch(shown.body.video_url)).arrayBuffer())).toContain(
        `fake emoji video for ${done.provider_task_id}`,
      );
      expect(await ledger(taskId)).toEqual([{ kind: 'consume', amount: -10 }]);
      expect(await points(user.token)).toBe(490);
    },
  );

  it(
    'one fails it at the deadline while the other downloads its video: ' +
      'the task stays failed, refunded once, no video kept',
    { timeout: 30_000 },
    async () => {
      const { user, taskId } = await acceptedEmojiTask();
      await raceForJob(taskId, 'poll', () => deadlinePasses(taskId));
      await expectFailedAndRefundedOnce(user, taskId, 'deadline');
    },
  );
});
