// The AI gateway's settings as the functions use them (env.ts reads them from the environment: AI_*, moderation),
// and the lookups by use case and app.

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
  aliyunModeration?: {
    accessKeyId: string;
    accessKeySecret: string;
    endpoint: string;
    protocol: 'https' | 'http';
    blockLevel: 'high' | 'medium' | 'low';
  };
}

export const modelsFor = (c: AiConfig, useCase: string) => c.models[useCase] ?? c.models.default ?? ['qwen-plus'];
export const quotaFor = (c: AiConfig, app: string) => c.dailyQuotas[app] ?? c.dailyQuotas.default ?? 200;
