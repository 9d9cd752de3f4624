// GET /{app}/ai/tasks/{id}: poll an AI task (or subscribe to public.ai_tasks through Realtime instead).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import type { AiTask } from '../tasks.ts';
import { AiTaskOut, aiTaskOut } from '../task-response.ts';

const route = userRoute({
  method: 'get',
  path: '/{app}/ai/tasks/{id}',
  tags: ['ai'],
  summary: "One of the caller's AI tasks",
  request: { params: AppParam.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 200: jsonContent(AiTaskOut, 'The task') },
});

export function registerAiTaskRoutes(app: HoutaiApp) {
  app.openapi(route, async (c) => {
    const { app: appId, id } = c.req.valid('param');
    const [task] = await c.var.db.asUser(
      currentUser(c),
      (tx) => tx<AiTask[]>`select * from public.ai_tasks where id = ${id} and app_id = ${appId}`,
    );
    if (!task) throw new ApiError('NOT_FOUND', 'No such AI task.');
    return c.json(aiTaskOut(task), 200);
  });
}
