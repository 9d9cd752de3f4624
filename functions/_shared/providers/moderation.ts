// Content moderation before a model sees user input and before a user sees model output: Aliyun content
// moderation (Green 2022-03-02 TextModerationPlus, called through Aliyun's OpenAPI core client, which signs it
// the way the product SDK does) in production; a local rule list (MODERATION_BLOCKLIST) offline.
import OpenApi, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import { z } from 'zod';
export interface ModerationVerdict {
  allowed: boolean;
  labels: string[];
}

export interface Moderator {
  readonly name: string;
  review(text: string, stage: 'input' | 'output'): Promise<ModerationVerdict>;
}

/** Blocks text containing any listed term (case-insensitive, width-normalised for CJK look-alikes). */
export class LocalRuleModerator implements Moderator {
  readonly name = 'local-rules';
  private readonly terms: string[];
  constructor(terms: string[]) {
    this.terms = terms.map((t) => t.normalize('NFKC').toLowerCase()).filter(Boolean);
  }
  review(text: string): Promise<ModerationVerdict> {
    const normal = text.normalize('NFKC').toLowerCase();
    const hits = this.terms.filter((t) => normal.includes(t));
    return Promise.resolve({ allowed: hits.length === 0, labels: hits.length ? ['blocklist'] : [] });
  }
}

export const SAFE_REPLACEMENT = '抱歉，这条内容无法显示。/ Sorry, this content cannot be shown.';

/** Aliyun could not give a verdict: the caller must not treat the text as checked. */
export class ModerationUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModerationUnavailable';
  }
}

const LEVELS = ['none', 'low', 'medium', 'high'];

type OpenApiClient = {
  callApi(params: unknown, request: unknown, runtime: unknown): Promise<{ body: unknown; statusCode?: number }>;
};

/** The parts of TextModerationPlus's answer we read (Code is a string in OpenAPI's errors); the rest is ignored. */
const TextModerationAnswer = z.object({
  Code: z.union([z.number(), z.string()]).optional(),
  Message: z.string().optional(),
  Data: z
    .object({
      RiskLevel: z.string().optional(),
      Result: z.array(z.object({ Label: z.string().optional() })).optional(),
    })
    .optional(),
});

const OpenApiClass = ((OpenApi as unknown as { default?: unknown }).default ?? OpenApi) as new (
  config: unknown,
) => OpenApiClient;

export class AliyunModerator implements Moderator {
  readonly name = 'aliyun';
  private readonly client: OpenApiClient;
  constructor(
    private readonly config: {
      accessKeyId: string;
      accessKeySecret: string;
      endpoint: string;
      protocol: 'https' | 'http';
      blockLevel: 'high' | 'medium' | 'low';
    },
  ) {
    this.client = new OpenApiClass(
      new $OpenApiUtil.Config({
        accessKeyId: config.accessKeyId,
        accessKeySecret: config.accessKeySecret,
        endpoint: config.endpoint,
        protocol: config.protocol,
        readTimeout: 5000,
        connectTimeout: 3000,
      }),
    );
  }

  async review(text: string, stage: 'input' | 'output'): Promise<ModerationVerdict> {
    const params = new $OpenApiUtil.Params({
      action: 'TextModerationPlus',
      version: '2022-03-02',
      protocol: this.config.protocol.toUpperCase(),
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const request = new $OpenApiUtil.OpenApiRequest({
      query: OpenApiUtil.query({
        // Aliyun's services for what users ask a model and what a model answers.
        Service: stage === 'input' ? 'llm_query_moderation' : 'llm_response_moderation',
        ServiceParameters: JSON.stringify({ content: text.slice(0, 2000) }),
      }),
    });
    let answer: unknown;
    try {
      answer = (await this.client.callApi(params, request, {})).body;
    } catch (err) {
      throw new ModerationUnavailable(`content moderation failed: ${(err as { code?: string }).code ?? 'network'}`);
    }
    const read = TextModerationAnswer.safeParse(answer);
    const body = read.success ? read.data : undefined;
    if (body?.Code !== 200 || !body.Data) {
      throw new ModerationUnavailable(`content moderation answered ${body?.Code}: ${body?.Message ?? ''}`);
    }
    const level = LEVELS.indexOf(body.Data.RiskLevel ?? 'none');
    const labels = (body.Data.Result ?? []).map((r) => r.Label ?? '').filter((l) => l && l !== 'nonLabel');
    return { allowed: level < LEVELS.indexOf(this.config.blockLevel), labels };
  }
}

export function createModerator(
  config: { moderationBlocklist: string[]; aliyunModeration?: ConstructorParameters<typeof AliyunModerator>[0] },
): Moderator {
  return config.aliyunModeration
    ? new AliyunModerator(config.aliyunModeration)
    : new LocalRuleModerator(config.moderationBlocklist);
}
