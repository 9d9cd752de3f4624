// The queues this worker serves and their handlers. A job on a queue without a handler is never claimed here.
import type { AppDeps } from '../_shared/http/create-app.ts';
import { loadAiConfig } from '../_shared/ai/config.ts';
import { createAiGateway } from '../_shared/ai/gateway.ts';
import { createChatProvider } from '../_shared/ai/providers.ts';
import { aiTaskHandler, type AiUseCases } from '../_shared/ai/tasks.ts';
import { lazy } from '../_shared/lazy.ts';
import { createModerator } from '../_shared/providers/moderation.ts';
import type { Handlers } from '../_shared/queue.ts';

/** AI task kinds, added by the apps' features (coach review and plan, diary comment, companion reply…). */
export const AI_USE_CASES: AiUseCases = {};

export function productionHandlers(deps: AppDeps): Handlers {
  const ai = lazy(() => loadAiConfig());
  return {
    'ai.task': aiTaskHandler(
      lazy(() => createAiGateway(ai(), deps.db, createChatProvider(ai()))),
      lazy(() => createModerator(ai())),
      AI_USE_CASES,
    ),
  };
}
