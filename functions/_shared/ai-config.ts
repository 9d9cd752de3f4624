// AI gateway settings: provider (any OpenAI-compatible endpoint; Qwen through DashScope's compatible mode by
// default), ordered models per use case, timeouts, retries, prices and daily quotas. Read once from the
// environment with zod.
import process from 'node:process';
import { z } from 'zod';

const Json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

const schema = z.object({
  AI_BASE_URL: z.url().default('https://dashscope.aliyuncs.com/compatible-mode/v1'),
  AI_API_KEY: z.string().min(1).optional(),
  /** Ordered fallback models per use case; "default" applies to the rest. */
  AI_MODELS: Json(z.record(z.string(), z.array(z.string().min(1)).min(1))).default({ default: ['qwen-plus', 'qwen-turbo'] }),
  AI_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(30_000),
  /** Extra attempts per model on 429, 5xx and timeouts. */
  AI_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  AI_RETRY_BASE_MS: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Price per million tokens (in and out) per model, in micro-units of the billing currency. */
  AI_PRICES: Json(z.record(z.string(), z.object({ in: z.number().nonnegative(), out: z.number().nonnegative() }))).default({}),
  /** Successful calls per user per app per UTC day. */
  AI_DAILY_QUOTAS: Json(z.record(z.string(), z.number().int().positive())).default({ default: 200 }),
  /** Offline moderation: comma-separated terms that block input and output. */
  MODERATION_BLOCKLIST: z.string().default(''),
  /** Aliyun content moderation (Green, TextModerationPlus), with the ALIYUN_ACCESS_KEY_* credentials. */
  ALIYUN_MODERATION_ENABLED: z.enum(['true', 'false']).default('false'),
  ALIYUN_MODERATION_ENDPOINT: z.string().default('green-cip.cn-shanghai.aliyuncs.com'),
  ALIYUN_MODERATION_PROTOCOL: z.enum(['https', 'http']).default('https'),
  /** The lowest Aliyun risk level that blocks: high, or medium to be stricter. */
  ALIYUN_MODERATION_BLOCK_LEVEL: z.enum(['high', 'medium', 'low']).default('high'),
  ALIYUN_ACCESS_KEY_ID: z.string().optional(),
  ALIYUN_ACCESS_KEY_SECRET: z.string().optional(),
});

export interface AiConfig {
  baseUrl: string;
  apiKey?: string;
  models: Record<string, string[]>;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  prices: Record<string, { in: number; out: number }>;
  dailyQuotas: Record<string, number>;
  moderationBlocklist: string[];
  aliyunModeration?: { accessKeyId: string; accessKeySecret: string; endpoint: string; protocol: 'https' | 'http'; blockLevel: 'high' | 'medium' | 'low' };
}

export function loadAiConfig(env: Record<string, string | undefined> = process.env): AiConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid AI configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  const e = parsed.data;
  return {
    baseUrl: e.AI_BASE_URL,
    apiKey: e.AI_API_KEY,
    models: e.AI_MODELS,
    timeoutMs: e.AI_TIMEOUT_MS,
    retries: e.AI_RETRIES,
    retryBaseMs: e.AI_RETRY_BASE_MS,
    prices: e.AI_PRICES,
    dailyQuotas: e.AI_DAILY_QUOTAS,
    moderationBlocklist: e.MODERATION_BLOCKLIST.split(',').map((t) => t.trim()).filter(Boolean),
    aliyunModeration:
      e.ALIYUN_MODERATION_ENABLED === 'true' && e.ALIYUN_ACCESS_KEY_ID && e.ALIYUN_ACCESS_KEY_SECRET
        ? { accessKeyId: e.ALIYUN_ACCESS_KEY_ID, accessKeySecret: e.ALIYUN_ACCESS_KEY_SECRET, endpoint: e.ALIYUN_MODERATION_ENDPOINT, protocol: e.ALIYUN_MODERATION_PROTOCOL, blockLevel: e.ALIYUN_MODERATION_BLOCK_LEVEL }
        : undefined,
  };
}

export const modelsFor = (c: AiConfig, useCase: string) => c.models[useCase] ?? c.models.default ?? ['qwen-plus'];
export const quotaFor = (c: AiConfig, app: string) => c.dailyQuotas[app] ?? c.dailyQuotas.default ?? 200;
