// Growth Diary's AI task kinds as the worker runs them, configured from the function's settings: the comment (a chat
// completion through the gateway) and the picture (the image model, stored in results).
import type { AppDeps } from '../_shared/http/create-app.ts';
import { lazy } from '../_shared/lazy.ts';
import type { AiUseCases } from '../_ai/tasks.ts';
import { createObjectStore } from '../_files/storage.ts';
import { createImageModel } from '../_shared/providers/image-generation.ts';
import { DIARY_AI_USE_CASES } from './ai.ts';
import { diaryImageUseCase, IMAGE_KIND } from './image-task.ts';

export function diaryAiUseCases(deps: AppDeps): AiUseCases {
  const image = deps.config.diaryImage;
  return {
    ...DIARY_AI_USE_CASES,
    [IMAGE_KIND]: diaryImageUseCase({
      model: lazy(() => createImageModel(image)),
      store: lazy(() => createObjectStore(deps.config)),
      ai: deps.config.ai,
      pollIntervalMs: image.pollIntervalMs,
      deadlineMs: image.deadlineMs,
    }),
  };
}
