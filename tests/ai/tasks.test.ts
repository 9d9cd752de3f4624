// AI tasks end to end in-process: accepted with moderation and a charge, run by workers through the gateway
// (against the fake OpenAI server), finished once, refunded once when they fail or their output is blocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../functions/_shared/db.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { loadAiConfig } from '../../functions/_shared/env.ts';
import { type AiGateway, createAiGateway } from '../../functions/_ai/gateway.ts';
import { createChatProvider } from '../../functions/_shared/providers/openai-compatible.ts';
import { aiTaskHandler, type AiUseCase, createAiTask } from '../../functions/_ai/tasks.ts';
import { LocalRuleModerator, SAFE_REPLACEMENT } from '../../functions/_shared/providers/moderation.ts';
import { runWorker } from '../../functions/worker/runner.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../fakes/openai.ts';
import { adminSql } from '../helpers/db.ts';
import { call } from '../helpers/http.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

const db = createDb(
  loadConfig({ SUPABASE_DB_URL: stackEnv().dbUrl, JWT_SECRET: stackEnv().jwtSecret, DB_POOL_MAX: '6' }),
);
let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
  await db.end();
});

const moderator = new LocalRuleModerator(['forbidden', '违禁']);
function useCase(
  models: string[],
  extra: Partial<AiUseCase> = {},
): { kind: string; uc: AiUseCase; handlers: Parameters<typeof runWorker>[1] } {
  const kind = `test.${crypto.randomUUID().slice(0, 8)}`;
  const uc: AiUseCase = {
    app: 'pickitchen',
    useCase: kind,
    cost: { currency: 'points', amount: 10 },
    messages: (input) => [{ role: 'user', content: String(input.prompt) }],
    userText: (input) => String(input.prompt),
    ...extra,
  };
  const config = loadAiConfig({
    AI_BASE_URL: fake.baseUrl,
    AI_API_KEY: 'sk-test',
    AI_MODELS: JSON.stringify({ [kind]: models }),
    AI_TIMEOUT_MS: '500',
    AI_RETRIES: '0',
    AI_RETRY_BASE_MS: '1',
  });
  const gateway = createAiGateway(config, db, createChatProvider(config));
  return { kind, uc, handlers: { 'ai.task': aiTaskHandler(() => gateway, () => moderator, { [kind]: uc }) } };
}

async function richUser(points = 100) {
  const user = await createUser();
  await adminSql().begin(async (sql) => {
    await sql`select set_config('role', 'service_role', true)`;
    await sql`
      select public.wallet_post('pickitchen', ${user.id}, 'points', ${points}, 'purchase', 'test',
                                ${`seed-${user.id}`})`;
  });
  return user;
}
const balance = async (id: string) =>
  Number((await adminSql()`select balance::int as b from public.wallet_accounts where user_id = ${id}`)[0].b);
const task = async (id: string) =>
  (await adminSql()`select status, result, fallback, refunded from public.ai_tasks where id = ${id}`)[0];
const run = (handlers: Parameters<typeof runWorker>[1], worker = 'w') =>
  runWorker(db, handlers, { worker, queues: ['ai.task'], budgetMs: 10_000, batchSize: 5, leaseSeconds: 30 });

describe('AI tasks', () => {
  it('charges on acceptance, completes through the gateway, and the owner can poll it', async () => {
    const user = await richUser();
    const { kind, uc, handlers } = useCase(['ok-task']);
    const t = await createAiTask(db, moderator, kind, uc, user.id, { prompt: 'Draw a cat' });
    expect(t.status).toBe('pending');
    expect(await balance(user.id)).toBe(90);
    await run(handlers);
    expect(await task(t.id)).toMatchObject({
      status: 'completed',
      result: { content: 'answer from ok-task to: Draw a cat' },
      refunded: false,
    });
    expect(await balance(user.id)).toBe(90);
    const polled = await call('GET', `/pickitchen/ai/tasks/${t.id}`, { token: user.token });
    expect(polled.body).toMatchObject({ id: t.id, status: 'completed', fallback: false });
    const other = await createUser();
    expect((await call('GET', `/pickitchen/ai/tasks/${t.id}`, { token: other.token })).status).toBe(404);
  });

  it('blocks input before the model sees it, without charging', async () => {
    const user = await richUser();
    const { kind, uc } = useCase(['ok-task']);
    await expect(createAiTask(db, moderator, kind, uc, user.id, { prompt: 'something ＦＯＲＢＩＤＤＥＮ here' }))
      .rejects.toMatchObject({ code: 'CONTENT_BLOCKED', status: 422 });
    expect(await balance(user.id)).toBe(100);
    expect(await adminSql()`select 1 from public.ai_tasks where user_id = ${user.id}`).toHaveLength(0);
  });

  it('refuses a task the user cannot pay for, leaving nothing behind', async () => {
    const user = await richUser(5);
    const { kind, uc } = useCase(['ok-task']);
    const [{ since }] = await adminSql()`select clock_timestamp() as since`;
    await expect(createAiTask(db, moderator, kind, uc, user.id, { prompt: 'hi' })).rejects.toMatchObject({
      message: 'INSUFFICIENT_BALANCE',
    });
    expect(await adminSql()`select 1 from public.ai_tasks where user_id = ${user.id}`).toHaveLength(0);
    // A job left behind would name a task that does not exist (its task was not kept).
    const orphans = await adminSql()`
      select j.id from internal.jobs j
       where j.queue = 'ai.task' and j.created_at >= ${since}
         and not exists (select 1 from public.ai_tasks t where t.id::text = j.payload ->> 'task_id')`;
    expect(orphans).toEqual([]);
    expect(await adminSql()`select kind, amount::int from public.wallet_entries where user_id = ${user.id}`).toEqual([{
      kind: 'purchase',
      amount: 5,
    }]);
  });

  it('replaces blocked output with a safe text and refunds', async () => {
    const user = await richUser();
    // The fake echoes the prompt, so the model's answer contains the blocked word
    // (input moderation sees it in Chinese only).
    const { kind, uc, handlers } = useCase(['ok-task'], { userText: () => 'harmless' });
    const t = await createAiTask(db, moderator, kind, uc, user.id, { prompt: '违禁 words' });
    await run(handlers);
    expect(await task(t.id)).toMatchObject({
      status: 'completed',
      result: { content: SAFE_REPLACEMENT, blocked: true },
      refunded: true,
    });
    expect(await balance(user.id)).toBe(100);
  });

  it('fails for good after the last attempt and refunds exactly once', async () => {
    const user = await richUser();
    const { kind, uc, handlers } = useCase(['down-task']);
    const t = await createAiTask(db, moderator, kind, uc, user.id, { prompt: 'hi' });
    for (let i = 0; i < 5; i++) {
      await adminSql()`
        update internal.jobs set run_at = now() where queue = 'ai.task' and job_key = ${t.id} and status = 'failed'`;
      await run(handlers);
    }
    expect(await task(t.id)).toMatchObject({ status: 'failed', refunded: true });
    expect(await balance(user.id)).toBe(100);
    const entries =
      await adminSql()`select kind, amount::int from public.wallet_entries where ref_id = ${t.id} order by id`;
    expect(entries).toEqual([{ kind: 'consume', amount: -10 }, { kind: 'refund', amount: 10 }]);
  });

  it('answers with the template when every model fails and keeps the charge', async () => {
    const user = await richUser();
    const { kind, uc, handlers } = useCase(['down-task'], { fallback: () => 'Template answer' });
    const t = await createAiTask(db, moderator, kind, uc, user.id, { prompt: 'hi' });
    await run(handlers);
    expect(await task(t.id)).toMatchObject({
      status: 'completed',
      fallback: true,
      result: { content: 'Template answer', model: 'template' },
      refunded: false,
    });
    expect(await balance(user.id)).toBe(90);
  });

  it('a worker stalled past its lease: another finishes the task once; the late answer changes nothing', async () => {
    const user = await richUser();
    const { kind, uc, handlers } = useCase(['ok-task']);
    const t = await createAiTask(db, moderator, kind, uc, user.id, { prompt: 'hi' });
    // The stalled worker runs the real handler; its model call hangs until released, then answers with text that
    // output moderation blocks, which would finish the task with a refund if its finish still counted.
    let stalled = false;
    let release = () => {};
    const released = new Promise<void>((r) => (release = r));
    const stalledGateway: AiGateway = {
      complete: async () => {
        stalled = true;
        await released;
        return { content: '违禁 late answer', model: 'late-model', fallback: false, tokensIn: 1, tokensOut: 1 };
      },
      stream: () => {
        throw new Error('not used');
      },
    };
    const late = runWorker(db, { 'ai.task': aiTaskHandler(() => stalledGateway, () => moderator, { [kind]: uc }) }, {
      worker: 'stalled',
      queues: ['ai.task'],
      budgetMs: 10_000,
      batchSize: 1,
      leaseSeconds: 1,
    });
    while (!stalled) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 1200));
    await run(handlers, 'heir');
    expect(await task(t.id)).toMatchObject({
      status: 'completed',
      result: { content: 'answer from ok-task to: hi' },
      refunded: false,
    });
    release();
    expect((await late).lost).toBe(1);
    expect(await task(t.id)).toMatchObject({
      status: 'completed',
      result: { content: 'answer from ok-task to: hi', model: 'ok-task' },
      refunded: false,
    });
    const entries =
      await adminSql()`select kind, amount::int from public.wallet_entries where ref_id = ${t.id} order by id`;
    expect(entries).toEqual([{ kind: 'consume', amount: -10 }]);
    expect(await balance(user.id)).toBe(90);
  });
});
