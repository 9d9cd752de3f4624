// PicKitchen's emoji endpoints (docs/apps/pickitchen.md): upload URL → detect (free, kept per photo) → create (charged,
// 202 + task id) → poll / history / delete. The generation itself runs in the worker (emoji-job.ts).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError, type ErrorCode } from '../../_shared/errors.ts';
import { decodeCursor, page, PageQuery } from '../../_shared/pagination.ts';
import type { ObjectStore } from '../../_files/storage.ts';
import { IdempotencyHeader } from '../../_commerce/commerce-reads.ts';
import { DashScopeError, type EmojiVideoProvider } from '../../_shared/providers/dashscope.ts';
import { issueUploadUrl, UploadUrl } from '../../_files/upload-url.ts';
import { checkUpload } from '../../_files/upload-check.ts';

const tags = ['pickitchen'];
const VIDEO_URL_TTL = 3600;

const ImagePath = z.string().min(1).max(300).openapi({
  description: 'The path emoji/upload returned',
  example: 'pickitchen/<user id>/sources/<file>.jpg',
});

const Detection = z
  .object({
    image_path: z.string(),
    passed: z.literal(true),
    face_bbox: z.array(z.number().int()).length(4),
    ext_bbox: z.array(z.number().int()).length(4),
  })
  .openapi('EmojiDetection');

const Task = z
  .object({
    task_id: z.uuid(),
    status: z.enum(['pending', 'processing', 'completed', 'failed']),
    driven_id: z.string(),
    style_name: z.string(),
    points_cost: z.number().int(),
    video_url: z.string().nullable().openapi({ description: 'Signed URL of the video (an hour) once completed' }),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    refunded: z.boolean(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi('EmojiTask');

const TaskId = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const routes = {
  upload: userRoute({
    method: 'post',
    path: '/pickitchen/emoji/upload',
    tags,
    summary: 'A signed URL to upload the photo (jpeg, png or webp, ≤ 10 MB)',
    request: {
      body: jsonBody(
        z.object({ content_type: z.string().min(3).max(100), size: z.number().int().positive() }).strict().openapi(
          'EmojiUploadRequest',
        ),
      ),
    },
    responses: { 201: jsonContent(UploadUrl, 'Upload URL issued') },
  }),
  detect: userRoute({
    method: 'post',
    path: '/pickitchen/emoji/detect',
    tags,
    summary: 'Face detection of an uploaded photo (free; the answer is kept per photo). ' +
      '422 NO_FACE / MULTIPLE_FACES / CONTENT_BLOCKED / IMAGE_INVALID when refused, ' +
      '422 UPLOAD_INVALID when the stored file is not a jpeg, png or webp of at most 10 MB',
    request: { body: jsonBody(z.object({ image_path: ImagePath }).strict().openapi('EmojiDetectRequest')) },
    responses: { 200: jsonContent(Detection, 'A face was found: the photo can be animated') },
  }),
  create: userRoute({
    method: 'post',
    path: '/pickitchen/emoji/create',
    tags,
    summary:
      "Start a video from a detected photo and a template: the template's points are charged now and refunded if it " +
      'fails (422 UPLOAD_INVALID when the stored photo no longer fits)',
    request: {
      headers: IdempotencyHeader,
      body: jsonBody(
        z.object({ image_path: ImagePath, driven_id: z.string().min(1).max(100) }).strict().openapi(
          'EmojiCreateRequest',
        ),
      ),
    },
    responses: {
      202: jsonContent(Task, 'Accepted: poll emoji/task/{id} or subscribe to pickitchen.emoji_tasks through Realtime'),
    },
  }),
  get: userRoute({
    method: 'get',
    path: '/pickitchen/emoji/task/{id}',
    tags,
    summary: "A task's status and, once completed, its video",
    request: { params: TaskId },
    responses: { 200: jsonContent(Task, 'The task') },
  }),
  remove: userRoute({
    method: 'delete',
    path: '/pickitchen/emoji/task/{id}',
    tags,
    summary: 'Remove a task from the history and delete its video',
    request: { params: TaskId },
    responses: { 204: { description: 'Deleted' } },
  }),
  history: userRoute({
    method: 'get',
    path: '/pickitchen/emoji/history',
    tags,
    summary: "The caller's tasks, newest first (cursor pagination)",
    request: { query: PageQuery },
    responses: { 200: jsonContent(z.object({ items: z.array(Task), next_cursor: z.string().nullable() }), 'One page') },
  }),
};

const REFUSALS: Record<string, ErrorCode> = {
  no_face: 'NO_FACE',
  multiple_faces: 'MULTIPLE_FACES',
  policy: 'CONTENT_BLOCKED',
  invalid_image: 'IMAGE_INVALID',
};

interface TaskRow {
  id: string;
  status: string;
  driven_id: string;
  style_name: string;
  points_cost: number;
  result_path: string | null;
  error_code: string | null;
  error_message: string | null;
  refunded: boolean;
  created_at: string;
  completed_at: string | null;
}

const taskOut = (t: TaskRow, videoUrl: string | null): z.infer<typeof Task> => ({
  task_id: t.id,
  status: t.status as z.infer<typeof Task>['status'],
  driven_id: t.driven_id,
  style_name: t.style_name,
  points_cost: t.points_cost,
  video_url: videoUrl,
  error: t.status === 'failed'
    ? { code: t.error_code ?? 'failed', message: t.error_message ?? 'The video could not be made.' }
    : null,
  refunded: t.refunded,
  created_at: t.created_at,
  completed_at: t.completed_at,
});

const Cursor = z.object({ created_at: z.string(), id: z.uuid() });

export interface EmojiRouteDeps {
  store: () => ObjectStore;
  provider: () => EmojiVideoProvider;
  /** How long a task may take before it fails and is refunded. */
  deadlineMinutes: () => number;
}

export function registerPickitchenEmojiRoutes(app: HoutaiApp, deps: EmojiRouteDeps) {
  /** Signed video URLs for the completed ones, in one storage call. */
  async function withVideos(rows: TaskRow[]) {
    const done = rows.filter((r) => r.status === 'completed' && r.result_path);
    const urls = await deps.store().signedDownloadUrls('results', done.map((r) => r.result_path!), VIDEO_URL_TTL);
    const byId = new Map(done.map((r, i) => [r.id, urls[i]]));
    return rows.map((r) => taskOut(r, byId.get(r.id) ?? null));
  }

  app.openapi(routes.upload, async (c) => {
    const { content_type, size } = c.req.valid('json');
    return c.json(await issueUploadUrl(c, 'pickitchen', 'emoji_source', content_type, size), 201);
  });

  app.openapi(routes.detect, async (c) => {
    const { image_path } = c.req.valid('json');
    const user = currentUser(c);
    const [known] = await c.var.db.asUser(
      user,
      (tx) =>
        tx<
          { passed: boolean; face_bbox: number[]; ext_bbox: number[]; reason: string | null; message: string | null }[]
        >`
      select passed, face_bbox, ext_bbox, reason, message
        from pickitchen.emoji_detections where image_path = ${image_path}`,
    );
    let detection = known;
    if (!detection) {
      // Only the caller's own uploaded photo, and only if what was stored is what emoji sources allow.
      await c.var.db.asService((tx) => [checkUpload(tx, 'emoji_source', 'pickitchen', user.sub, image_path)]);
      const imageUrl = await deps.store().signedDownloadUrl('uploads', image_path, 600);
      let verdict;
      try {
        verdict = await deps.provider().detect({ imageUrl });
      } catch (err) {
        if (err instanceof DashScopeError && err.status === 429) {
          throw new ApiError('RATE_LIMITED', 'Face detection is busy; try again shortly.', [], { 'Retry-After': '5' });
        }
        if (err instanceof DashScopeError && !err.retryable) {
          throw new ApiError('UPSTREAM_ERROR', 'Face detection refused the request.', [{
            code: err.code,
            message: err.message,
          }]);
        }
        throw new ApiError('SERVICE_UNAVAILABLE', 'Face detection is unavailable; try again shortly.');
      }
      const provider = deps.provider().name;
      [detection] = await c.var.db.asService((tx) =>
        tx<typeof known[]>`
        select passed, face_bbox, ext_bbox, reason, message from internal.emoji_detection_record(
          ${user.sub}, ${image_path}, ${verdict.ok}, ${verdict.ok ? verdict.faceBbox : null}::integer[], ${
          verdict.ok ? verdict.extBbox : null
        }::integer[],
          ${verdict.ok ? null : verdict.reason}, ${verdict.ok ? null : verdict.message}, ${provider})`
      );
    }
    if (!detection.passed) {
      const reason = detection.reason ?? 'invalid_image';
      throw new ApiError(REFUSALS[reason] ?? 'IMAGE_INVALID', detection.message ?? 'This photo cannot be animated.', [{
        field: 'image_path',
        code: reason,
        message: detection.message ?? reason,
      }]);
    }
    return c.json(
      { image_path, passed: true as const, face_bbox: detection.face_bbox, ext_bbox: detection.ext_bbox },
      200,
    );
  });

  app.openapi(routes.create, async (c) => {
    const { image_path, driven_id } = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'] ?? null;
    const user = currentUser(c);
    // The photo as stored now (it may have been replaced since it was detected), checked in the same transaction.
    const [, [task]] = await c.var.db.asService((tx) => [
      checkUpload(tx, 'emoji_source', 'pickitchen', user.sub, image_path),
      tx<TaskRow[]>`
      select * from internal.emoji_task_create(
        ${user.sub}::uuid, ${image_path}, ${driven_id}, ${key}, make_interval(mins => ${deps.deadlineMinutes()}))`,
    ]);
    return c.json(taskOut(task, null), 202);
  });

  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid('param');
    const [task] = await c.var.db.asUser(
      currentUser(c),
      (tx) => tx<TaskRow[]>`select * from pickitchen.emoji_tasks where id = ${id}`,
    );
    if (!task) throw new ApiError('NOT_FOUND', 'No such emoji task.');
    return c.json((await withVideos([task]))[0], 200);
  });

  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid('param');
    const [task] = await c.var.db.asService((tx) =>
      tx<TaskRow[]>`select * from internal.emoji_task_hide(${currentUser(c).sub}, ${id}) where id is not null`
    );
    if (!task) throw new ApiError('NOT_FOUND', 'No such emoji task.');
    if (task.result_path) await deps.store().remove('results', [task.result_path]);
    return c.body(null, 204);
  });

  app.openapi(routes.history, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor, Cursor);
    const rows = await c.var.db.asUser(currentUser(c), (tx) =>
      tx<TaskRow[]>`
      select * from pickitchen.emoji_tasks
       where user_id = (select auth.uid()) and hidden_at is null
         ${after ? tx`and (created_at, id) < (${after.created_at}::timestamptz, ${after.id}::uuid)` : tx``}
       order by created_at desc, id desc limit ${limit + 1}`);
    const { items, next_cursor } = page(rows, limit, (last) => ({ created_at: last.created_at, id: last.id }));
    return c.json({ items: await withVideos(items), next_cursor }, 200);
  });
}
