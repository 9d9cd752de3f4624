// Chat completion providers: any OpenAI-compatible endpoint through the official `openai` client, and a
// deterministic offline provider so every flow works locally without credentials.
import OpenAI from 'openai';
import type { AiConfig } from '../ai-config.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Completion {
  content: string;
  tokensIn: number;
  tokensOut: number;
}

/** Why a call failed, so the gateway knows whether to retry, try the next model, or give up. */
export class ProviderError extends Error {
  constructor(readonly kind: 'timeout' | 'rate_limited' | 'server' | 'client' | 'malformed', message: string) {
    super(message);
    this.name = 'ProviderError';
  }
  get retryable() {
    return this.kind === 'timeout' || this.kind === 'rate_limited' || this.kind === 'server';
  }
}

export interface StreamChunk {
  content?: string;
  usage?: { tokensIn: number; tokensOut: number };
}

export interface ChatProvider {
  readonly name: string;
  complete(model: string, messages: ChatMessage[]): Promise<Completion>;
  /** Text deltas as the model writes them; the last chunk may carry the usage. */
  stream(model: string, messages: ChatMessage[]): AsyncIterable<StreamChunk>;
}

function providerError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new ProviderError('timeout', 'the model did not answer in time');
  }
  if (err instanceof OpenAI.RateLimitError) return new ProviderError('rate_limited', 'the provider is rate limiting');
  if (err instanceof OpenAI.APIError && (err.status ?? 0) >= 500) {
    return new ProviderError('server', `provider error ${err.status}`);
  }
  if (err instanceof OpenAI.APIConnectionError) return new ProviderError('server', 'provider unreachable');
  if (err instanceof OpenAI.APIError) {
    return new ProviderError('client', `provider refused the request (${err.status})`);
  }
  return new ProviderError('malformed', 'the provider answered something that is not a chat completion');
}

export class OpenAiCompatibleProvider implements ChatProvider {
  readonly name = 'openai-compatible';
  private readonly client: OpenAI;

  constructor(config: Pick<AiConfig, 'baseUrl' | 'apiKey' | 'timeoutMs'>) {
    // Retries are the gateway's (with its own backoff and model fallback), not the client's.
    this.client = new OpenAI({
      apiKey: config.apiKey,
      baseURL: config.baseUrl,
      timeout: config.timeoutMs,
      maxRetries: 0,
    });
  }

  async complete(model: string, messages: ChatMessage[]): Promise<Completion> {
    let res: OpenAI.Chat.Completions.ChatCompletion;
    try {
      res = await this.client.chat.completions.create({ model, messages });
    } catch (err) {
      throw providerError(err);
    }
    const content = res?.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') {
      throw new ProviderError('malformed', 'the completion has no text');
    }
    return { content, tokensIn: res.usage?.prompt_tokens ?? 0, tokensOut: res.usage?.completion_tokens ?? 0 };
  }

  async *stream(model: string, messages: ChatMessage[]): AsyncIterable<StreamChunk> {
    let stream;
    try {
      stream = await this.client.chat.completions.create({
        model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
    } catch (err) {
      throw providerError(err);
    }
    try {
      for await (const chunk of stream) {
        const content = chunk.choices?.[0]?.delta?.content ?? undefined;
        const usage = chunk.usage
          ? { tokensIn: chunk.usage.prompt_tokens ?? 0, tokensOut: chunk.usage.completion_tokens ?? 0 }
          : undefined;
        if (content || usage) yield { content: content || undefined, usage };
      }
    } catch (err) {
      throw providerError(err);
    }
  }
}

/** Offline: a stable, readable answer derived from the request, so local flows and demos run without a key. */
export class OfflineProvider implements ChatProvider {
  readonly name = 'offline';
  complete(model: string, messages: ChatMessage[]): Promise<Completion> {
    const last = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const words = last.split(/\s+/).filter(Boolean);
    let h = 0;
    for (const ch of last) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    const content = `[offline ${model}] ${words.slice(0, 12).join(' ')}${words.length > 12 ? '…' : ''} (#${
      h.toString(16)
    })`;
    return Promise.resolve({ content, tokensIn: words.length, tokensOut: content.split(/\s+/).length });
  }

  async *stream(model: string, messages: ChatMessage[]): AsyncIterable<StreamChunk> {
    const { content, tokensIn, tokensOut } = await this.complete(model, messages);
    for (const word of content.split(/(?<= )/)) yield { content: word };
    yield { usage: { tokensIn, tokensOut } };
  }
}

export function createChatProvider(config: AiConfig): ChatProvider {
  return config.apiKey ? new OpenAiCompatibleProvider(config) : new OfflineProvider();
}
