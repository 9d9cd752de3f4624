// The diary's picture as an AI task (kind diary.image, queue ai.task): the image model draws from a moderated diary
// through a child-safe prompt (ai.ts), the task polls the model's own task until the picture is ready, and the picture
// goes to the results bucket under the user's folder. A diary the task was for gets it attached when the task
// completes (diary.apply_ai_result). The model's own content inspection refuses unsafe pictures.
import type { AiUseCase } from '../_ai/tasks.ts';
import type { ObjectStore } from '../_files/storage.ts';
import { DashScopeError } from '../_shared/providers/dashscope.ts';
import type { ImageModel } from '../_shared/providers/image-generation.ts';
import { type DiaryBrief, imagePrompt } from './ai.ts';
import { APP } from './app-id.ts';

export const IMAGE_KIND = 'diary.image';

export interface ImageTaskDeps {
  model: () => ImageModel;
  store: () => ObjectStore;
  pollIntervalMs: number;
  deadlineMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

export function diaryImageUseCase(deps: ImageTaskDeps): AiUseCase {
  return {
    ...IMAGE_USE_CASE,
    async run(task) {
      const prompt = imagePrompt(task.input as unknown as DiaryBrief);
      const model = deps.model();
      const { taskId } = await model.createTask(prompt);
      const deadline = Date.now() + deps.deadlineMs;
      for (;;) {
        const state = await model.getTask(taskId);
        if (state.status === 'SUCCEEDED' && state.imageUrl) {
          const { bytes, contentType } = await model.download(state.imageUrl);
          const path = imagePath(task.user_id, task.id);
          await deps.store().put('results', path, bytes, contentType, { upsert: true });
          return { result: { content: prompt.prompt, model: model.model, image_path: path } };
        }
        if (state.status !== 'PENDING' && state.status !== 'RUNNING') {
          throw new DashScopeError(state.errorCode ?? state.status, state.errorMessage ?? 'no picture', 0, false);
        }
        if (Date.now() > deadline) throw new Error(`the picture was not ready within ${deps.deadlineMs} ms`);
        await sleep(deps.pollIntervalMs);
      }
    },
  };
}
