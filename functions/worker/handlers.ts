// The queues this worker serves and their handlers. A job on a queue without a handler is never claimed here.
import type { AppDeps } from '../_shared/http/create-app.ts';
import { createAiGateway } from '../_shared/ai/gateway.ts';
import { createChatProvider } from '../_shared/ai/providers.ts';
import { aiTaskHandler, type AiUseCases } from '../_shared/ai/tasks.ts';
import { lazy } from '../_shared/lazy.ts';
import { createModerator } from '../_shared/providers/moderation.ts';
import type { Handlers } from '../_shared/queue.ts';
import { COACH_AI_USE_CASES } from '../_shared/coach/ai.ts';
import { EMOJI_QUEUE, emojiJobHandler } from '../_shared/pickitchen/emoji-job.ts';
import { createEmojiVideoProvider } from '../_shared/providers/dashscope.ts';
import { createObjectStore } from '../_files/storage.ts';

/** AI task kinds, added by the apps' features (coach review and plan, diary comment, companion reply…). */
export const AI_USE_CASES: AiUseCases = { ...COACH_AI_USE_CASES };

export function productionHandlers(deps: AppDeps): Handlers {
  const ai = deps.config.ai;
  return {
    [EMOJI_QUEUE]: emojiJobHandler({
      provider: lazy(() => createEmojiVideoProvider(deps.config.emoji)),
      store: lazy(() => createObjectStore(deps.config)),
      settings: { pollIntervalMs: deps.config.emoji.pollIntervalSeconds * 1000 },
    }),
    'ai.task': aiTaskHandler(
      lazy(() => createAiGateway(ai, deps.db, createChatProvider(ai))),
      lazy(() => createModerator(ai)),
      AI_USE_CASES,
    ),
  };
}
