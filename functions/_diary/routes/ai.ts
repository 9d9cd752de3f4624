// /diary/ai/*: a comment on a diary and a picture for one (or for a text not yet saved), as AI tasks: 202 and the task
// (poll GET /diary/ai/tasks/{id} or Realtime on public.ai_tasks). What the child wrote is moderated before anything is
// enqueued, and either task past the daily AI quota is refused with 429; the comment lands in the diary's ai_comment, a
// diary's picture in its ai_image_path.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { errorContent, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import type { Db } from '../../_shared/db.ts';
import type { Config } from '../../_shared/env.ts';
import type { Moderator } from '../../_shared/providers/moderation.ts';
import { type AiUseCase, createAiTask } from '../../_ai/tasks.ts';
import { quotaFor } from '../../_shared/ai-config.ts';
import { AiTaskOut, aiTaskOut } from '../../_ai/task-response.ts';
import { COMMENT_KIND, DIARY_AI_USE_CASES, type DiaryBrief } from '../ai.ts';
import { IMAGE_KIND, IMAGE_USE_CASE } from '../image-task.ts';
import { MOODS, WEATHERS } from '../diaries.ts';

const tags = ['diary'];
const Accepted = jsonContent(AiTaskOut, 'Accepted: poll /diary/ai/tasks/{id}');
/** What starting a task needs of the request: its database and configuration. */
type AiContext = { var: { db: Db; config: Config } };
const QuotaExceeded = errorContent(
  "AI_QUOTA_EXCEEDED: today's AI allowance for the app is used up (Retry-After: until 00:00 UTC)",
);
const DiaryId = z.object({ diary_id: z.uuid() }).strict();
const FreeText = z
  .object({
    content: z.string().trim().min(1).max(5000),
    mood: z.enum(MOODS).nullable().optional(),
    weather: z.enum(WEATHERS).nullable().optional(),
  })
  .strict();

const routes = {
  comment: userRoute({
    method: 'post',
    path: '/diary/ai/comment-diary',
    tags,
    summary: 'A kind AI comment on a diary, written to its ai_comment when done',
    request: { body: jsonBody(DiaryId.openapi('DiaryAiComment')) },
    responses: {
      202: Accepted,
      422: errorContent('CONTENT_BLOCKED: the diary cannot be sent to the AI; BUSINESS_RULE_VIOLATION: it is empty'),
      429: QuotaExceeded,
    },
  }),
  image: userRoute({
    method: 'post',
    path: '/diary/ai/generate-image',
    tags,
    summary: 'A picture for a diary (attached to it when done), or for a text with its mood and weather',
    request: { body: jsonBody(z.union([DiaryId, FreeText]).openapi('DiaryAiImage')) },
    responses: {
      202: Accepted,
      422: errorContent('CONTENT_BLOCKED: the text cannot be sent to the AI'),
      429: QuotaExceeded,
    },
  }),
};

/** What the AI is told about one of the caller's diaries. */
async function briefOf(db: Db, user: ReturnType<typeof currentUser>, diaryId: string): Promise<DiaryBrief> {
  const [row] = await db.asUser(user, (tx) => [
    tx<DiaryBrief[]>`
      select id as diary_id, content, mood, weather from diary.diaries where id = ${diaryId} and deleted_at is null`,
  ]);
  if (!row[0]) throw new ApiError('NOT_FOUND', 'No such diary.');
  if (row[0].content.trim() === '') {
    throw new ApiError('BUSINESS_RULE_VIOLATION', 'The diary is empty: write something first.', [{
      field: 'diary_id',
      message: 'empty diary',
    }]);
  }
  return row[0];
}

export function registerDiaryAiRoutes(app: HoutaiApp, deps: { moderator: () => Moderator }) {
  // Both tasks count against the app's daily AI quota (the gateway meters a comment, the worker each picture), so it
  // is checked at accept, with the task's insert: past it the child is told now, not by a task that fails later.
  const start = (c: AiContext, kind: string, uc: AiUseCase, userId: string, brief: DiaryBrief) =>
    createAiTask(c.var.db, deps.moderator(), kind, uc, userId, { ...brief }, {
      dailyQuota: quotaFor(c.var.config.ai, uc.app),
    });

  app.openapi(routes.comment, async (c) => {
    const user = currentUser(c);
    const brief = await briefOf(c.var.db, user, c.req.valid('json').diary_id);
    const task = await start(c, COMMENT_KIND, DIARY_AI_USE_CASES[COMMENT_KIND], user.sub, brief);
    return c.json(aiTaskOut(task), 202);
  });

  app.openapi(routes.image, async (c) => {
    const user = currentUser(c);
    const body = c.req.valid('json');
    const brief = 'diary_id' in body ? await briefOf(c.var.db, user, body.diary_id) : body;
    const task = await start(c, IMAGE_KIND, IMAGE_USE_CASE, user.sub, brief);
    return c.json(aiTaskOut(task), 202);
  });
}
