// The queues this worker serves and their handlers, each feature's jobs. A job on a queue without a handler is
// never claimed here.
import type { AppDeps } from '../_shared/http/create-app.ts';
import type { Handlers } from '../_shared/queue.ts';
import { aiJobs } from '../_ai/jobs.ts';
import type { AiUseCases } from '../_ai/tasks.ts';
import { COACH_AI_USE_CASES } from '../_coach/ai.ts';
import { pickitchenJobs } from '../_pickitchen/jobs.ts';
import { DIARY_AI_USE_CASES } from '../_diary/ai.ts';
import { diaryAiUseCases } from '../_diary/jobs.ts';

/** AI task kinds, added by the apps' features (coach review and plan, diary comment, companion reply…). */
export const AI_USE_CASES: AiUseCases = { ...COACH_AI_USE_CASES, ...DIARY_AI_USE_CASES };

export function productionHandlers(deps: AppDeps): Handlers {
  return { ...pickitchenJobs(deps), ...aiJobs(deps, { ...AI_USE_CASES, ...diaryAiUseCases(deps) }) };
}
