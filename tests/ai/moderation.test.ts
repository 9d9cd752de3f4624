// Aliyun content moderation through the OpenAPI core client (signed requests) against the local Aliyun fake.
import { describe, expect, it } from 'vitest';
import {
  AliyunModerator,
  createModerator,
  LocalRuleModerator,
  ModerationUnavailable,
} from '../../functions/_shared/providers/moderation.ts';
import { stackEnv } from '../helpers/stack.ts';

const aliyun = (overrides: Partial<ConstructorParameters<typeof AliyunModerator>[0]> = {}) =>
  new AliyunModerator({
    ...stackEnv().aliyunCredentials,
    endpoint: stackEnv().fakeAliyunUrl.replace('http://', ''),
    protocol: 'http',
    blockLevel: 'high',
    ...overrides,
  });

describe('Aliyun content moderation', () => {
  it('passes clean text and blocks risky text, with the services for input and output', async () => {
    const m = aliyun();
    const marker = crypto.randomUUID();
    expect(await m.review(`a nice day ${marker}`, 'input')).toEqual({ allowed: true, labels: [] });
    expect(await m.review(`这是违禁内容 ${marker}`, 'output')).toEqual({
      allowed: false,
      labels: ['political_content'],
    });
    const seen = (await (await fetch(`${stackEnv().fakeAliyunUrl}/__fake/moderated`)).json()) as Array<
      { service: string; content: string }
    >;
    expect(seen.filter((s) => s.content.includes(marker)).map((s) => s.service)).toEqual([
      'llm_query_moderation',
      'llm_response_moderation',
    ]);
  });

  it('reports a refused signature or an unreachable service as unavailable, never as allowed', async () => {
    await expect(aliyun({ accessKeySecret: 'wrong-secret' }).review('hello', 'input')).rejects.toBeInstanceOf(
      ModerationUnavailable,
    );
    await expect(aliyun({ endpoint: '127.0.0.1:9' }).review('hello', 'input')).rejects.toBeInstanceOf(
      ModerationUnavailable,
    );
  });

  it('is chosen when configured; offline the local rules apply', async () => {
    expect(
      createModerator({
        moderationBlocklist: ['x'],
        aliyunModeration: { ...stackEnv().aliyunCredentials, endpoint: 'e', protocol: 'http', blockLevel: 'high' },
      }),
    ).toBeInstanceOf(AliyunModerator);
    const local = createModerator({ moderationBlocklist: ['坏词'] });
    expect(local).toBeInstanceOf(LocalRuleModerator);
    expect((await local.review('有坏词', 'input')).allowed).toBe(false);
  });
});
