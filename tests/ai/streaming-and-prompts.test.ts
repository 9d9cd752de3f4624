// Streamed answers (Server-Sent Events, as companion chat uses them) and prompt templates with style settings.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../functions/_shared/db.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { loadAiConfig } from '../../functions/_shared/env.ts';
import { createAiGateway } from '../../functions/_ai/gateway.ts';
import { type PromptTemplate, renderPrompt } from '../../functions/_ai/prompts.ts';
import { createChatProvider } from '../../functions/_shared/providers/openai-compatible.ts';
import { sseText } from '../../functions/_shared/http/sse.ts';
import type { AppEnv } from '../../functions/_shared/http/context.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../fakes/openai.ts';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

const db = createDb(loadConfig({ SUPABASE_DB_URL: stackEnv().dbUrl, JWT_SECRET: stackEnv().jwtSecret }));
let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
  await db.end();
});

const gateway = (models: string[]) => {
  const config = loadAiConfig({
    AI_BASE_URL: fake.baseUrl,
    AI_API_KEY: 'sk-test',
    AI_MODELS: JSON.stringify({ default: models }),
    AI_TIMEOUT_MS: '1000',
    AI_RETRIES: '0',
  });
  return createAiGateway(config, db, createChatProvider(config));
};
const ask = (userId: string, fallback?: () => string) => ({
  app: 'companion' as const,
  userId,
  useCase: 'companion.chat',
  messages: [{ role: 'user' as const, content: 'hello there friend' }],
  fallback,
  promptVersion: 'companion.chat@1',
});
async function collect(it: AsyncIterable<string>) {
  const parts: string[] = [];
  for await (const p of it) parts.push(p);
  return parts;
}

describe('streaming', () => {
  it('streams the answer in pieces and meters it with the prompt version', async () => {
    const user = await createUser();
    const parts = await collect(gateway(['ok-stream']).stream(ask(user.id)));
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.join('')).toBe('answer from ok-stream to: hello there friend');
    const [row] = await adminSql()`
      select model, outcome, streamed, prompt_version, tokens_out from internal.ai_usage where user_id = ${user.id}`;
    expect(row).toEqual({
      model: 'ok-stream',
      outcome: 'success',
      streamed: true,
      prompt_version: 'companion.chat@1',
      tokens_out: parts.length,
    });
  });

  it('moves to the next model when one fails before answering, and to the template when all do', async () => {
    const user = await createUser();
    expect((await collect(gateway(['down-s', 'ok-stream-2']).stream(ask(user.id)))).join('')).toContain('ok-stream-2');
    expect(await collect(gateway(['down-s']).stream(ask(user.id, () => 'template reply')))).toEqual(['template reply']);
  });

  it('ends with an error event when the answer breaks off, after the text already sent', async () => {
    const user = await createUser();
    const app = new Hono<AppEnv>();
    app.use('*', async (c, next) => {
      c.set('requestId', 'sse-test');
      await next();
    });
    app.get(
      '/chat',
      (c) => sseText(c, gateway(['broken-stream-x']).stream(ask(user.id)), { model: 'broken-stream-x' }),
    );
    app.get('/ok', (c) => sseText(c, gateway(['ok-stream-3']).stream(ask(user.id)), { done: true }));

    const ok = await (await app.request('/ok')).text();
    expect(ok).toMatch(/^event: delta\ndata: \{"content":"answer /);
    expect(ok).toContain('event: done\ndata: {"done":true}');
    const broken = await (await app.request('/chat')).text();
    expect(broken).toContain('event: delta');
    expect(broken).toMatch(/event: error\ndata: \{"error":\{"code":"SERVICE_UNAVAILABLE"/);
  });
});

describe('prompt templates', () => {
  const template: PromptTemplate<{ workouts: number }> = {
    useCase: 'coach.review',
    version: '3',
    system: 'You review a day of habits.',
    user: (i) => `Workouts: ${i.workouts}`,
  };

  it("render with the user's style and carry their version", () => {
    const { messages, promptVersion } = renderPrompt(template, { workouts: 2 }, {
      tone: 'direct',
      length: 'short',
      language: 'en',
    });
    expect(promptVersion).toBe('coach.review@3');
    expect(messages[0].content).toContain('Be direct and concrete');
    expect(messages[0].content).toContain('at most 3 sentences');
    expect(messages[0].content).toContain('Reply in en.');
    expect(messages[1]).toEqual({ role: 'user', content: 'Workouts: 2' });
  });

  it('fall back to the default style for missing settings and refuse nonsense', () => {
    expect(renderPrompt(template, { workouts: 0 }, undefined).messages[0].content).toContain('Be warm and encouraging');
    expect(() => renderPrompt(template, { workouts: 0 }, { tone: 'rude' })).toThrow();
  });
});
