// The diary's picture as an AI task (kind diary.image, queue ai.task), run step by step like PicKitchen's emoji job:
// submit the image model's task once (its id kept on the AI task) → poll it on later runs (the job snoozes between
// polls) until the task's deadline → check the picture (DashScope's own inspection, then our moderator over the
// prompt it was actually drawn from) → store it in the results bucket under the user's folder and meter it against
// the daily AI quota. A diary the task was for gets it attached when the task completes (diary.apply_ai_result).
// A refusal, a failed model task or the deadline fails the task with the reason and stores nothing.
import type { AiConfig } from '../_shared/ai-config.ts';
import type { Db } from '../_shared/db.ts';
import { JobSnooze } from '../_shared/queue.ts';
import { recordAiUsage } from '../_ai/gateway.ts';
import { type AiTask, type AiUseCase, outputAllowed } from '../_ai/tasks.ts';
import type { ObjectStore } from '../_files/storage.ts';
import { DashScopeError } from '../_shared/providers/dashscope.ts';
import type { ImageModel } from '../_shared/providers/image-generation.ts';
import { type DiaryBrief, imagePrompt } from './ai.ts';
import { APP } from './app-id.ts';

export const IMAGE_KIND = 'diary.image';

/** DashScope's code for a prompt or picture its content inspection refused. */
const INSPECTION_FAILED = 'DataInspectionFailed';

export interface ImageTaskDeps {
  model: () => ImageModel;
  store: () => ObjectStore;
  ai: AiConfig;
  pollIntervalMs: number;
  deadlineMs: number;
}

/** Where a task's picture is kept: the user's folder of the results bucket, named by the task. */
export const imagePath = (userId: string, taskId: string) => `${APP}/${userId}/images/${taskId}.png`;

/** The picture task as the API accepts it: the text to moderate first. The worker's adds how to draw it. */
export const IMAGE_USE_CASE: AiUseCase = {
  app: APP,
  useCase: IMAGE_KIND,
  // Not a chat completion: the worker's run() draws the picture.
  messages: () => [],
  userText: (input) => String(input.content ?? ''),
};

const refusedBy = (who: string, detail: string) => ({ failed: `The picture was refused by ${who}: ${detail}` });

/** Records the model's task on the AI task once: a run that raced this one may have recorded its own first. */
async function recordSubmission(db: Db, taskId: string, providerTaskId: string) {
  await db.asService((tx) => tx`select internal.ai_task_started(${taskId}, ${providerTaskId})`);
}

export function diaryImageUseCase(deps: ImageTaskDeps): AiUseCase {
  const pollLater = () => new JobSnooze(new Date(Date.now() + deps.pollIntervalMs));
  const pastDeadline = (task: AiTask) =>
    task.started_at !== null && Date.now() > Date.parse(task.started_at) + deps.deadlineMs;

  return {
    ...IMAGE_USE_CASE,
    async run(task, { db, moderator }) {
      const prompt = imagePrompt(task.input as unknown as DiaryBrief);
      const model = deps.model();
      try {
        if (!task.provider_task_id) {
          const { taskId } = await model.createTask(prompt);
          await recordSubmission(db, task.id, taskId);
          return pollLater();
        }
        if (pastDeadline(task)) {
          return { failed: `The picture was not ready within ${Math.round(deps.deadlineMs / 1000)} s.` };
        }
        const state = await model.getTask(task.provider_task_id);
        if (state.status === 'PENDING' || state.status === 'RUNNING') return pollLater();
        if (state.status !== 'SUCCEEDED' || !state.imageUrl) {
          if (state.errorCode === INSPECTION_FAILED) {
            return refusedBy("DashScope's content inspection", state.errorMessage ?? INSPECTION_FAILED);
          }
          return { failed: `The image model failed (${state.errorCode ?? state.status}): ${state.errorMessage ?? ''}` };
        }
        // DashScope may rewrite the prompt before drawing: the picture shows what it actually drew from.
        if (!(await outputAllowed(moderator, state.actualPrompt ?? prompt.prompt))) {
          return refusedBy('moderation', 'the prompt it was drawn from is not allowed.');
        }
        const { bytes, contentType } = await model.download(state.imageUrl);
        const path = imagePath(task.user_id, task.id);
        await deps.store().put('results', path, bytes, contentType, { upsert: true });
        await recordAiUsage(deps.ai, db, {
          app: APP,
          userId: task.user_id,
          useCase: IMAGE_KIND,
          model: model.model,
          provider: model.name,
          outcome: 'success',
          latencyMs: Date.now() - Date.parse(task.started_at ?? task.created_at),
        });
        return { result: { content: prompt.prompt, model: model.model, image_path: path } };
      } catch (err) {
        // A refusal or a bad request will not get better by retrying; outages might (the queue retries them).
        if (err instanceof DashScopeError && !err.retryable) {
          return err.code === INSPECTION_FAILED
            ? refusedBy("DashScope's content inspection", err.message)
            : { failed: `The image model refused the task (${err.code}): ${err.message}` };
        }
        throw err;
      }
    },
  };
}
