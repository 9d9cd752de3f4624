// The AI worker job: runs the AI tasks of every kind the apps register (`useCases`), through the gateway.
import type { AppDeps } from '../_shared/http/create-app.ts';
import { lazy } from '../_shared/lazy.ts';
import { createModerator } from '../_shared/providers/moderation.ts';
import { createChatProvider } from '../_shared/providers/openai-compatible.ts';
import type { Handlers } from '../_shared/queue.ts';
import { createAiGateway } from './gateway.ts';
import { aiTaskHandler, type AiUseCases } from './tasks.ts';

export function aiJobs(deps: AppDeps, useCases: AiUseCases): Handlers {
  const ai = deps.config.ai;
  return {
    'ai.task': aiTaskHandler(
      lazy(() => createAiGateway(ai, deps.db, createChatProvider(ai))),
      lazy(() => createModerator(ai)),
      useCases,
    ),
  };
}
