// Every AI call goes through here: the daily quota, the ordered models with retries and backoff on 429, 5xx
// and timeouts, one metering row per attempt, and the template fallback for use cases that have one.
import type { AppId } from '../_shared/apps.ts';
import type { Db } from '../_shared/db.ts';
import { ApiError } from '../_shared/errors.ts';
import { type AiConfig, modelsFor, quotaFor } from '../_shared/ai-config.ts';
import { type ChatMessage, type ChatProvider, ProviderError } from '../_shared/providers/openai-compatible.ts';

export interface AiRequest {
  app: AppId;
  userId: string | null;
  useCase: string;
  messages: ChatMessage[];
  /** A deterministic answer from the request's own data, used when every model fails. */
  fallback?: () => string;
  /** The prompt template version that built the messages (renderPrompt), metered with the call. */
  promptVersion?: string;
}

export interface AiResult {
  content: string;
  model: string;
  fallback: boolean;
  tokensIn: number;
  tokensOut: number;
}

export interface AiGateway {
  complete(req: AiRequest): Promise<AiResult>;
  /**
   * Streams the answer's text. Models are tried in order until one starts answering; once text has gone to
   * the client a failure ends the stream (it cannot switch models mid-answer).
   */
  stream(req: AiRequest): AsyncIterable<string>;
}

/** One model call (or a template answer) as metered: what it cost and how it went. */
export interface AiUsage {
  app: AppId;
  userId: string | null;
  useCase: string;
  promptVersion?: string;
  model: string;
  provider: string;
  outcome: string;
  latencyMs: number;
  usage?: { in: number; out: number };
  error?: string;
  streamed?: boolean;
}

/** Meters one call; a user's successful calls are what the daily quota counts (calls that make no text too). */
export async function recordAiUsage(config: AiConfig, db: Db, u: AiUsage) {
  const usage = u.usage ?? { in: 0, out: 0 };
  const price = config.prices[u.model] ?? { in: 0, out: 0 };
  const cost = Math.round((usage.in * price.in + usage.out * price.out) / 1_000_000);
  await db.asService((tx) =>
    tx`
    insert into internal.ai_usage (app_id, user_id, use_case, prompt_version, model, provider, tokens_in, tokens_out,
                                   latency_ms, cost_micros, outcome, error, streamed)
    values (${u.app}, ${u.userId}, ${u.useCase}, ${u.promptVersion ?? null}, ${u.model}, ${u.provider}, ${usage.in},
            ${usage.out}, ${Math.round(u.latencyMs)}, ${cost}, ${u.outcome}, ${u.error ?? null}, ${
      u.streamed ?? false
    })`
  );
}

/** 429 AI_QUOTA_EXCEEDED: today's allowance (`quota`) is used (`usage`, "used/quota"); it renews at 00:00 UTC. */
export function aiQuotaExceeded(quota: number, usage: string): ApiError {
  const now = new Date();
  const renews = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return new ApiError(
    'AI_QUOTA_EXCEEDED',
    `Today's AI allowance (${quota}) for this app is used up; it renews at 00:00 UTC.`,
    [{ code: 'quota', message: usage }],
    { 'Retry-After': String(Math.ceil((renews - now.getTime()) / 1000)) },
  );
}

/**
 * The per-user daily allowance of an app's AI calls, checked before each model call: 429 once today's successes reach
 * it. (Accepting a task counts the tasks in flight too: internal.ai_quota_check, through createAiTask.)
 */
async function assertAiQuota(config: AiConfig, db: Db, app: AppId, userId: string | null) {
  if (!userId) return;
  const quota = quotaFor(config, app);
  const [{ used }] = await db.asService((tx) =>
    tx<[{ used: number }]>`select internal.ai_successes_today(${app}, ${userId}) as used`
  );
  if (used >= quota) throw aiQuotaExceeded(quota, `${used}/${quota}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createAiGateway(config: AiConfig, db: Db, provider: ChatProvider): AiGateway {
  const meter = (
    req: AiRequest,
    model: string,
    outcome: string,
    latencyMs: number,
    usage?: { in: number; out: number },
    error?: string,
    streamed = false,
  ) =>
    recordAiUsage(config, db, {
      app: req.app,
      userId: req.userId,
      useCase: req.useCase,
      promptVersion: req.promptVersion,
      model,
      provider: provider.name,
      outcome,
      latencyMs,
      usage,
      error,
      streamed,
    });

  const outcomeOf = (
    e: ProviderError,
  ) => (e.kind === 'timeout'
    ? 'timeout'
    : e.kind === 'rate_limited'
    ? 'rate_limited'
    : e.kind === 'malformed'
    ? 'malformed'
    : 'error');

  const checkQuota = (req: AiRequest) => assertAiQuota(config, db, req.app, req.userId);

  return {
    async complete(req) {
      await checkQuota(req);
      const failures: string[] = [];
      for (const model of modelsFor(config, req.useCase)) {
        for (let attempt = 0; attempt <= config.retries; attempt++) {
          const started = performance.now();
          try {
            const c = await provider.complete(model, req.messages);
            await meter(req, model, 'success', performance.now() - started, { in: c.tokensIn, out: c.tokensOut });
            return { content: c.content, model, fallback: false, tokensIn: c.tokensIn, tokensOut: c.tokensOut };
          } catch (err) {
            const e = err instanceof ProviderError ? err : new ProviderError('malformed', String(err));
            await meter(req, model, outcomeOf(e), performance.now() - started, undefined, e.message);
            failures.push(`${model}: ${e.message}`);
            // Retry the same model only for passing trouble; a refusal or garbage goes to the next model.
            if (!e.retryable || attempt === config.retries) break;
            await sleep(config.retryBaseMs * 2 ** attempt * (0.5 + Math.random()));
          }
        }
      }
      if (req.fallback) {
        const content = req.fallback();
        await meter(req, 'template', 'fallback', 0);
        return { content, model: 'template', fallback: true, tokensIn: 0, tokensOut: 0 };
      }
      throw new ApiError(
        'SERVICE_UNAVAILABLE',
        'The AI service is unavailable; try again later.',
        failures.map((f) => ({ code: 'model_failed', message: f })),
      );
    },

    async *stream(req) {
      await checkQuota(req);
      const failures: string[] = [];
      for (const model of modelsFor(config, req.useCase)) {
        const started = performance.now();
        const iterator = provider.stream(model, req.messages)[Symbol.asyncIterator]();
        let first: IteratorResult<{ content?: string; usage?: { tokensIn: number; tokensOut: number } }>;
        try {
          first = await iterator.next();
        } catch (err) {
          const e = err instanceof ProviderError ? err : new ProviderError('malformed', String(err));
          await meter(req, model, outcomeOf(e), performance.now() - started, undefined, e.message, true);
          failures.push(`${model}: ${e.message}`);
          continue;
        }
        let usage = { in: 0, out: 0 };
        let chunk = first;
        try {
          while (!chunk.done) {
            if (chunk.value.usage) usage = { in: chunk.value.usage.tokensIn, out: chunk.value.usage.tokensOut };
            if (chunk.value.content) yield chunk.value.content;
            chunk = await iterator.next();
          }
        } catch (err) {
          const e = err instanceof ProviderError ? err : new ProviderError('malformed', String(err));
          await meter(req, model, outcomeOf(e), performance.now() - started, usage, e.message, true);
          throw new ApiError('SERVICE_UNAVAILABLE', 'The answer was interrupted; try again.');
        }
        await meter(req, model, 'success', performance.now() - started, usage, undefined, true);
        return;
      }
      if (req.fallback) {
        await meter(req, 'template', 'fallback', 0, undefined, undefined, true);
        yield req.fallback();
        return;
      }
      throw new ApiError(
        'SERVICE_UNAVAILABLE',
        'The AI service is unavailable; try again later.',
        failures.map((f) => ({ code: 'model_failed', message: f })),
      );
    },
  };
}
