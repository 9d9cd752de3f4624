// The emoji video pipeline (docs/apps/pickitchen.md), one job per task on queue pickitchen.emoji, run step by step:
// create the provider's task from a signed URL of the photo → poll it (the job snoozes between polls, which do
// not count as attempts) → download the video before its 24 h link expires, store it in `results` → complete.
// A provider failure, a refusal, the deadline or the last failed attempt fails the task and refunds it, once.
import type { Db } from '../_shared/db.ts';
import type { Job, JobHandler } from '../_shared/queue.ts';
import { JobSnooze } from '../_shared/queue.ts';
import type { ObjectStore } from '../_files/storage.ts';
import { DashScopeError, type EmojiVideoProvider } from '../_shared/providers/dashscope.ts';
import { uploadRefusal } from '../_files/upload-check.ts';

export const EMOJI_QUEUE = 'pickitchen.emoji';

/** How long the provider may fetch the photo from its signed URL. */
const SOURCE_URL_TTL = 3600;

export interface EmojiJobSettings {
  pollIntervalMs: number;
}

interface TaskRow {
  id: string;
  user_id: string;
  image_path: string;
  driven_id: string;
  status: string;
  provider_task_id: string | null;
  deadline_at: string;
  hidden_at: string | null;
}

/** Where a task's video lives in `results` (the owner's id is where the storage policies look). */
export const resultPath = (t: Pick<TaskRow, 'id' | 'user_id'>) => `pickitchen/${t.user_id}/emoji/${t.id}.mp4`;

export function emojiJobHandler(
  deps: { provider: () => EmojiVideoProvider; store: () => ObjectStore; settings: EmojiJobSettings },
): JobHandler {
  return async (job: Job, { db }) => {
    const taskId = String(job.payload.task_id);
    const [task] = await db.asService((tx) => tx<TaskRow[]>`select * from pickitchen.emoji_tasks where id = ${taskId}`);
    if (!task || task.status === 'completed' || task.status === 'failed') return { skipped: 'finished' };
    const fail = (code: string, message: string) => finish(db, task.id, 'failed', null, code, message);
    const pollLater = () => new JobSnooze(new Date(Date.now() + deps.settings.pollIntervalMs));

    if (task.hidden_at) return fail('deleted', 'The task was deleted before it finished.');
    if (Date.now() > Date.parse(task.deadline_at)) return fail('deadline', 'The video was not ready in time.');
    const provider = deps.provider();
    try {
      if (!task.provider_task_id) {
        const [detection] = await db.asService((tx) =>
          tx<{ face_bbox: number[]; ext_bbox: number[] }[]>`
          select face_bbox, ext_bbox from pickitchen.emoji_detections
           where user_id = ${task.user_id} and image_path = ${task.image_path} and passed`
        );
        if (!detection) return fail('detection_missing', 'The photo has no passed face detection.');
        // The provider gets the photo as stored now, so that is what must still be an emoji source.
        const refusal = await uploadRefusal(db, 'emoji_source', 'pickitchen', task.user_id, task.image_path);
        if (refusal) return fail(refusal.code.toLowerCase(), refusal.message);
        const imageUrl = await deps.store().signedDownloadUrl('uploads', task.image_path, SOURCE_URL_TTL);
        const created = await provider.createVideoTask({
          imageUrl,
          faceBbox: detection.face_bbox,
          extBbox: detection.ext_bbox,
          drivenId: task.driven_id,
        });
        // A worker that raced us may have recorded its own provider task first: that one is followed.
        const [started] = await db.asService((tx) =>
          tx<{ id: string | null }[]>`
          select id from internal.emoji_task_started(${task.id}, ${provider.name}, ${created.taskId})`
        );
        if (!started?.id) return { skipped: 'finished' };
        return pollLater();
      }

      const status = await provider.getTask(task.provider_task_id);
      if (status.status === 'PENDING' || status.status === 'RUNNING') return pollLater();
      if (status.status !== 'SUCCEEDED' || !status.videoUrl) {
        return fail(
          status.errorCode ?? status.status.toLowerCase(),
          status.errorMessage ?? `The provider's task ended ${status.status}.`,
        );
      }
      const video = await provider.download(status.videoUrl);
      const path = resultPath(task);
      await deps.store().put('results', path, video, 'video/mp4', { upsert: true });
      if (
        !(await finish(db, task.id, 'completed', path, null, null)).finished &&
        !(await isVisibleResult(db, task.id, path))
      ) {
        // Deleted or failed meanwhile: nobody will read this video. (A worker that raced us to completion stored
        // its video at this same path and recorded it: that one stays.)
        await deps.store().remove('results', [path]);
      }
      return { completed: path, bytes: video.byteLength };
    } catch (err) {
      // Refusals and bad requests will not get better by retrying; outages might, until the last attempt.
      const retryable = !(err instanceof DashScopeError) || err.retryable;
      if (!retryable || job.attempts >= job.max_attempts) {
        return fail(
          err instanceof DashScopeError ? err.code : 'internal',
          err instanceof Error ? err.message : String(err),
        );
      }
      throw err;
    }
  };
}

async function finish(
  db: Db,
  id: string,
  status: 'completed' | 'failed',
  resultPath: string | null,
  code: string | null,
  message: string | null,
) {
  const [row] = await db.asService((tx) =>
    tx<[{ ok: boolean }]>`
    select internal.emoji_task_finish(${id}, ${status}, ${resultPath}, ${code}, ${
      message ? message.slice(0, 500) : null
    }) as ok`
  );
  return { finished: row.ok, status };
}

/** Whether the task, still in its owner's history, completed with the video at this path. */
async function isVisibleResult(db: Db, id: string, path: string) {
  const rows = await db.asService((tx) =>
    tx`
    select 1 from pickitchen.emoji_tasks
     where id = ${id} and status = 'completed' and result_path = ${path} and hidden_at is null`
  );
  return rows.length > 0;
}
