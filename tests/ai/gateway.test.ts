// The AI gateway with the real `openai` client against a local OpenAI-compatible fake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../functions/_shared/db.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { loadAiConfig } from '../../functions/_shared/env.ts';
import { createAiGateway } from '../../functions/_ai/gateway.ts';
import { createChatProvider, OfflineProvider } from '../../functions/_shared/providers/openai-compatible.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../fakes/openai.ts';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

const db = createDb(loadConfig({ SUPABASE_DB_URL: stackEnv().dbUrl, JWT_SECRET: stackEnv().jwtSecret }));
let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi({ slowMs: 1500 });
});
afterAll(async () => {
  await fake.close();
  await db.end();
});

function gateway(models: Record<string, string[]>, extra: Record<string, string> = {}) {
  const config = loadAiConfig({
    AI_BASE_URL: fake.baseUrl,
    AI_API_KEY: 'sk-test',
    AI_MODELS: JSON.stringify(models),
    AI_TIMEOUT_MS: '500',
    AI_RETRIES: '1',
    AI_RETRY_BASE_MS: '10',
    AI_PRICES: JSON.stringify({ 'ok-main': { in: 2_000_000, out: 6_000_000 } }),
    ...extra,
  });
  return createAiGateway(config, db, createChatProvider(config));
}
const usage = (userId: string) =>
  adminSql()`
    select model, outcome, tokens_in, tokens_out, cost_micros::int from internal.ai_usage where user_id = ${userId}
    order by id`;
const ask = (userId: string, useCase: string, fallback?: () => string) => ({
  app: 'coach' as const,
  userId,
  useCase,
  messages: [{ role: 'user' as const, content: 'How was my day?' }],
  fallback,
});

describe('AI gateway', () => {
  it('answers with the first model and meters the call', async () => {
    const user = await createUser();
    const result = await gateway({ 'coach.review': ['ok-main'] }).complete(ask(user.id, 'coach.review'));
    expect(result).toMatchObject({
      content: 'answer from ok-main to: How was my day?',
      model: 'ok-main',
      fallback: false,
      tokensIn: 12,
      tokensOut: 8,
    });
    expect(await usage(user.id)).toEqual([{
      model: 'ok-main',
      outcome: 'success',
      tokens_in: 12,
      tokens_out: 8,
      cost_micros: 72,
    }]);
  });

  it('retries a timed-out call and then succeeds', async () => {
    const user = await createUser();
    const result = await gateway({ default: ['slow-once-a'] }).complete(ask(user.id, 'coach.plan'));
    expect(result.model).toBe('slow-once-a');
    expect((await usage(user.id)).map((u) => u.outcome)).toEqual(['timeout', 'success']);
  });

  it('falls back through the models: rate limited, down, then one that works', async () => {
    const user = await createUser();
    const result = await gateway({ default: ['busy-1', 'down-1', 'ok-backup'] }).complete(
      ask(user.id, 'diary.comment'),
    );
    expect(result.model).toBe('ok-backup');
    expect((await usage(user.id)).map((u) => `${u.model}:${u.outcome}`)).toEqual([
      'busy-1:rate_limited',
      'busy-1:rate_limited',
      'down-1:error',
      'down-1:error',
      'ok-backup:success',
    ]);
  });

  it('treats a malformed answer as a failure and moves on without retrying it', async () => {
    const user = await createUser();
    const result = await gateway({ default: ['garbage-1', 'ok-after-garbage'] }).complete(ask(user.id, 'x'));
    expect(result.model).toBe('ok-after-garbage');
    expect((await usage(user.id)).map((u) => u.outcome)).toEqual(['malformed', 'success']);
  });

  it('uses the template when every model fails, or answers 503 where there is none', async () => {
    const user = await createUser();
    const g = gateway({ default: ['down-2', 'garbage-2'] });
    const result = await g.complete(ask(user.id, 'coach.review', () => 'Template review: 3 workouts, 7 h sleep.'));
    expect(result).toMatchObject({
      content: 'Template review: 3 workouts, 7 h sleep.',
      fallback: true,
      model: 'template',
    });
    await expect(g.complete(ask(user.id, 'companion.chat'))).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
    });
  });

  it('enforces the daily quota per user and app (429 AI_QUOTA_EXCEEDED)', async () => {
    const user = await createUser();
    const g = gateway({ default: ['ok-quota'] }, { AI_DAILY_QUOTAS: JSON.stringify({ coach: 2 }) });
    await g.complete(ask(user.id, 'a'));
    await g.complete(ask(user.id, 'a'));
    await expect(g.complete(ask(user.id, 'a'))).rejects.toMatchObject({
      code: 'AI_QUOTA_EXCEEDED',
      status: 429,
      headers: { 'Retry-After': expect.any(String) },
    });
    const other = await createUser();
    expect((await g.complete(ask(other.id, 'a'))).fallback).toBe(false);
  });

  it('runs offline, deterministically, without an API key', async () => {
    const config = loadAiConfig({});
    const provider = createChatProvider(config);
    expect(provider).toBeInstanceOf(OfflineProvider);
    const user = await createUser();
    const g = createAiGateway(config, db, provider);
    const a = await g.complete(ask(user.id, 'coach.review'));
    const b = await g.complete(ask(user.id, 'coach.review'));
    expect(a.content).toBe(b.content);
    expect(a.content).toContain('How was my day?');
  });
});
