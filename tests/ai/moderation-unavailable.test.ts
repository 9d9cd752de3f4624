// AI requests check what the user wrote (Aliyun content moderation) before anything is charged or enqueued. With the
// moderation service unreachable they answer 503 and leave nothing behind; a request carrying no words of the user's
// needs no check and goes on. The API runs in-process with Aliyun moderation on, pointed at a closed port ("down")
// or at the stack's Aliyun fake ("up"); records are written and tasks finished through the stack.
import { describe, expect, it } from 'vitest';
import { createDb } from '../../functions/_shared/db.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { type AiUseCase, createAiTask } from '../../functions/_ai/tasks.ts';
import { createModerator } from '../../functions/_shared/providers/moderation.ts';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { inProcessApi } from '../helpers/in-process.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import { aiTaskFinished, deployedWorker, runUntil } from '../helpers/worker.ts';

const env = stackEnv();
/** Aliyun moderation on, at this endpoint (SMS settings too: Aliyun's credentials come as a set of four). */
const moderationAt = (endpoint: string) => ({
  ALIYUN_MODERATION_ENABLED: 'true',
  ALIYUN_MODERATION_ENDPOINT: endpoint,
  ALIYUN_MODERATION_PROTOCOL: 'http',
  ALIYUN_ACCESS_KEY_ID: env.aliyunCredentials.accessKeyId,
  ALIYUN_ACCESS_KEY_SECRET: env.aliyunCredentials.accessKeySecret,
  ALIYUN_SMS_SIGN_NAME: 'Houtai',
  ALIYUN_SMS_TEMPLATE_CODE: 'SMS_000001',
});
const CLOSED_PORT = '127.0.0.1:9';
const down = inProcessApi(moderationAt(CLOSED_PORT));
const up = inProcessApi(moderationAt(env.fakeAliyunUrl.replace('http://', '')));

const send = async (api: typeof down, method: string, path: string, token: string, json?: unknown) => {
  const res = await api.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
};
const aiTasksOf = (userId: string) => adminSql()`select id, kind from public.ai_tasks where user_id = ${userId}`;
/** Tasks accepted here are run to their end, so no job of this file is left for other tests' workers. */
const finish = (taskId: string) => runUntil(deployedWorker, taskId, aiTaskFinished(taskId));

describe('AI input moderation unavailable', () => {
  it(
    "coach AI requests with the user's words answer 503 and leave no task, charge or job; with moderation reachable " +
      'the same request is accepted',
    { timeout: 30_000 },
    async () => {
      const user = await createUser();
      const reading = await call('POST', '/coach/records/reading', {
        token: user.token,
        json: { date: '2026-11-20', book: 'Walden', minutes: 30, notes: 'simplify' },
      });
      expect(reading.status).toBe(201);
      expect(
        (await call('PUT', '/coach/day-logs/2026-11-20', { token: user.token, json: { note: 'a quiet day' } })).status,
      ).toBe(200);

      for (
        const [path, json] of [['/coach/ai/review', { date: '2026-11-20' }], ['/coach/ai/tomorrow-plan', {
          date: '2026-11-20',
        }], ['/coach/ai/reading-summary', { reading_id: reading.body.id }]] as const
      ) {
        const res = await send(down, 'POST', path, user.token, json);
        expect(res.status, path).toBe(503);
        expect(envelope(res as never).code).toBe('SERVICE_UNAVAILABLE');
      }
      expect(await aiTasksOf(user.id)).toEqual([]);
      expect(await adminSql()`select 1 from public.wallet_entries where user_id = ${user.id}`).toEqual([]);
      // A task and its job are made in one statement: no ai.task job exists without its task.
      expect(
        await adminSql()`
          select id from internal.jobs j where queue = 'ai.task'
          and not exists (select 1 from public.ai_tasks t where t.id::text = j.job_key)`,
      ).toEqual([]);

      const accepted = await send(up, 'POST', '/coach/ai/reading-summary', user.token, { reading_id: reading.body.id });
      expect(accepted.status).toBe(202);
      await finish(accepted.body.id);
    },
  );

  it('a charged AI task is refused with 503 before its charge', async () => {
    const user = await createUser();
    await adminSql()`
      select public.wallet_post('pickitchen', ${user.id}, 'points', 100, 'purchase', 'test credit',
                                ${crypto.randomUUID()})`;
    const charged: AiUseCase = {
      app: 'pickitchen',
      useCase: 'test.charged',
      cost: { currency: 'points', amount: 10 },
      messages: (input) => [{ role: 'user', content: String(input.prompt) }],
      userText: (input) => String(input.prompt),
    };
    const config = loadConfig({
      SUPABASE_DB_URL: env.dbUrl,
      JWT_SECRET: env.jwtSecret,
      DB_POOL_MAX: '1',
      ...moderationAt(CLOSED_PORT),
    });
    const db = createDb(config);
    try {
      await expect(
        createAiTask(db, createModerator(config.ai), 'test.charged', charged, user.id, { prompt: 'draw a cat' }),
      ).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    } finally {
      await db.end();
    }
    expect(await adminSql()`select balance::int from public.wallet_accounts where user_id = ${user.id}`).toEqual([{
      balance: 100,
    }]);
    expect(await aiTasksOf(user.id)).toEqual([]);
  });

  it(
    "requests without the user's words need no check: while moderation is down a weekly stats read answers 200 with " +
      'its summary pending, and a review of a day without a note is accepted',
    { timeout: 30_000 },
    async () => {
      const user = await createUser();
      expect(
        (await call('POST', '/coach/records/workout', {
          token: user.token,
          json: { date: '2026-11-16', workout_type: 'run', duration_minutes: 30 },
        })).status,
      ).toBe(201);
      const week = await send(down, 'GET', '/coach/stats/weekly?week=2026-W47', user.token);
      expect(week.status).toBe(200);
      expect(week.body.ai_summary).toMatchObject({ status: 'pending', text: null });
      const review = await send(down, 'POST', '/coach/ai/review', user.token, { date: '2026-11-16' });
      expect(review.status).toBe(202);
      expect((await aiTasksOf(user.id)).map((t) => t.kind).sort()).toEqual(['coach.period_summary', 'coach.review']);
      await finish(week.body.ai_summary.task_id);
      await finish(review.body.id);
    },
  );
});
