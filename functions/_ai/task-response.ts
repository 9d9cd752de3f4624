// An AI task as the API shows it: the poll route and the routes that start a task (coach's review, plan,
// summaries) answer with the same shape.
import { z } from '@hono/zod-openapi';
import type { AiTask } from './tasks.ts';

/** What a finished task produced (tasks.ts): the model's answer, or a safe replacement when moderation blocked it. */
export const AiTaskResult = z
  .object({
    content: z.string(),
    model: z.string().openapi({ description: 'The model that answered ("template" for the fallback answer)' }),
    blocked: z.boolean().optional().openapi({
      description: 'The answer was blocked by moderation: content is a safe replacement and the charge refunded',
    }),
    image_path: z.string().optional().openapi({
      description: 'A picture task: the image in the results bucket (read it with your token)',
    }),
  })
  .openapi('AiTaskResult');

export const AiTaskOut = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    status: z.enum(['pending', 'processing', 'completed', 'failed']),
    result: z.union([AiTaskResult, z.null()]).openapi({ description: 'Null until the task is completed' }),
    error: z.string().nullable(),
    fallback: z.boolean().openapi({ description: 'The result is the template answer: every model failed' }),
    refunded: z.boolean(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi('AiTask');

export const aiTaskOut = (t: AiTask): z.infer<typeof AiTaskOut> => ({
  id: t.id,
  kind: t.kind,
  status: t.status as z.infer<typeof AiTaskOut>['status'],
  result: t.result as z.infer<typeof AiTaskResult> | null,
  error: t.status === 'failed' ? 'The AI task failed; any charge was refunded.' : null,
  fallback: t.fallback,
  refunded: t.refunded,
  created_at: t.created_at,
  finished_at: t.finished_at,
});
