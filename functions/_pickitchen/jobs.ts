// PicKitchen's worker jobs, configured from the function's settings: the emoji video job.
import type { AppDeps } from '../_shared/http/create-app.ts';
import { lazy } from '../_shared/lazy.ts';
import type { Handlers } from '../_shared/queue.ts';
import { createObjectStore } from '../_files/storage.ts';
import { EMOJI_QUEUE, emojiJobHandler } from './emoji-job.ts';
import { createEmojiVideoProvider } from './emoji-video-provider.ts';

export function pickitchenJobs(deps: AppDeps): Handlers {
  return {
    [EMOJI_QUEUE]: emojiJobHandler({
      provider: lazy(() => createEmojiVideoProvider(deps.config.emoji)),
      store: lazy(() => createObjectStore(deps.config)),
      settings: { pollIntervalMs: deps.config.emoji.pollIntervalSeconds * 1000 },
    }),
  };
}
