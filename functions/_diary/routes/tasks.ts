// /diary/tasks: a day's tasks (the daily catalog every user sees, and the user's own for that date) with whether each
// is done; custom tasks; completing one, which grants its points through the ledger once per task and date in the
// same transaction (diary.complete_task).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { errorContent, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import type { Tx } from '../../_shared/db.ts';
import { ApiError } from '../../_shared/errors.ts';
import { LocalDate } from '../../_shared/validation.ts';

const tags = ['diary'];
const CATEGORIES = ['daily', 'study', 'reading', 'sport', 'chores', 'habit', 'kindness', 'creative'] as const;
const Locale = z.enum(['zh-CN', 'en']).default('zh-CN').openapi({ description: 'The language of catalog texts' });

const Task = z
  .object({
    id: z.string().openapi({ description: "A system task's key, or a custom task's uuid" }),
    type: z.enum(['system', 'custom']),
    title: z.string(),
    description: z.string().nullable(),
    category: z.string(),
    points_reward: z.number().int(),
    date: z.string(),
    is_completed: z.boolean(),
    completed_at: z.string().nullable(),
    points_granted: z.number().int().nullable(),
  })
  .openapi('DiaryTask');
type Task = z.infer<typeof Task>;

const CustomTaskCreate = z
  .object({
    id: z.uuid().optional().openapi({ description: 'A client-generated id: the same create again returns the task' }),
    date: LocalDate,
    title: z.string().trim().min(1).max(100),
    description: z.string().max(500).optional(),
    category: z.enum(CATEGORIES).default('daily'),
    points_reward: z.number().int().min(0).default(0).openapi({
      description: 'At most points_rules.custom_task_max_points of the remote config',
    }),
  })
  .strict()
  .openapi('DiaryCustomTaskCreate');

const Completion = z
  .object({
    task_id: z.string(),
    date: z.string(),
    completed_at: z.string(),
    points_granted: z.number().int(),
    balance: z.number().int().nullable().openapi({ description: 'The point balance after it' }),
    replayed: z.boolean().openapi({ description: 'True when it was done before: nothing was granted again' }),
  })
  .openapi('DiaryTaskCompletion');

const TaskParam = z.object({
  id: z.string().regex(/^([a-z][a-z0-9_]{0,39}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/)
    .openapi({ param: { name: 'id', in: 'path' }, description: "A system task's key or a custom task's id" }),
});

const routes = {
  list: userRoute({
    method: 'get',
    path: '/diary/tasks',
    tags,
    summary: "A day's tasks: the daily catalog and the caller's own, each with its completion",
    request: {
      query: z.object({
        date: LocalDate.optional().openapi({ description: 'Default: today, locally' }),
        locale: Locale,
      }),
    },
    responses: { 200: jsonContent(z.object({ date: z.string(), items: z.array(Task) }), 'The tasks') },
  }),
  create: userRoute({
    method: 'post',
    path: '/diary/tasks',
    tags,
    summary: 'A task of your own for a date',
    request: { body: jsonBody(CustomTaskCreate) },
    responses: {
      201: jsonContent(Task, 'Created'),
      200: jsonContent(Task, 'Already created with this id'),
      422: errorContent('BUSINESS_RULE_VIOLATION: too many tasks that day'),
    },
  }),
  complete: userRoute({
    method: 'post',
    path: '/diary/tasks/{id}/complete',
    tags,
    summary: 'Complete a task for a date: its points are granted once; completing again answers the first result',
    request: {
      params: TaskParam,
      body: { required: false, content: { 'application/json': { schema: z.object({ date: LocalDate.optional() }) } } },
    },
    responses: {
      200: jsonContent(Completion, 'Completed (or completed before)'),
      400: errorContent("VALIDATION_FAILED: a future date, one before yesterday, or not the custom task's date"),
      404: errorContent("NOT_FOUND: no such task (or another user's)"),
      422: errorContent(
        'BUSINESS_RULE_VIOLATION: a task no longer offered, or a custom task on a date whose custom tasks already ' +
          'earned custom_tasks_per_day times (nothing is recorded)',
      ),
    },
  }),
};

/** Today where the caller is (their diary profile's timezone, else their account's). */
async function today(tx: Tx): Promise<string> {
  const [row] = await tx<{ d: string }[]>`
    select diary.caller_today()::text as d`;
  return row.d;
}

type TaskRow = Omit<Task, 'is_completed'>;

function tasksOf(tx: Tx, date: string, locale: string, only?: string) {
  return tx<TaskRow[]>`
    select * from (
      select s.key as id, 'system' as type, coalesce(s.title ->> ${locale}, s.title ->> 'zh-CN') as title,
             coalesce(s.description ->> ${locale}, s.description ->> 'zh-CN') as description, s.category,
             s.points_reward, ${date}::date::text as date, c.completed_at, c.points_granted, 0 as kind, s.sort
        from diary.system_tasks s
        left join diary.task_completions c
          on c.user_id = (select auth.uid()) and c.system_task_key = s.key and c.task_date = ${date}
       where s.active or c.id is not null
      union all
      select t.id::text, 'custom', t.title, t.description, t.category, t.points_reward, t.task_date::text,
             c.completed_at, c.points_granted, 1, 0
        from diary.custom_tasks t
        left join diary.task_completions c
          on c.user_id = t.user_id and c.custom_task_id = t.id and c.task_date = t.task_date
       where t.user_id = (select auth.uid()) and t.task_date = ${date} and t.deleted_at is null
    ) tasks
    ${only ? tx`where id = ${only}` : tx``}
    order by kind, sort, id`;
}

const toTask = (r: TaskRow & { kind?: number; sort?: number }): Task => ({
  id: r.id,
  type: r.type,
  title: r.title,
  description: r.description,
  category: r.category,
  points_reward: r.points_reward,
  date: r.date,
  is_completed: r.completed_at !== null,
  completed_at: r.completed_at,
  points_granted: r.points_granted,
});

export function registerDiaryTaskRoutes(app: HoutaiApp) {
  app.openapi(routes.list, async (c) => {
    const q = c.req.valid('query');
    const out = await c.var.db.asUser(currentUser(c), async (tx) => {
      const date = q.date ?? (await today(tx));
      return { date, items: (await tasksOf(tx, date, q.locale)).map(toTask) };
    });
    return c.json(out, 200);
  });

  app.openapi(routes.create, async (c) => {
    const b = c.req.valid('json');
    const { status, task } = await c.var.db.asUser(currentUser(c), async (tx) => {
      const id = b.id ?? crypto.randomUUID();
      const [made] = await tx`
        insert into diary.custom_tasks ${
        tx({
          id,
          task_date: b.date,
          title: b.title,
          description: b.description ?? null,
          category: b.category,
          points_reward: b.points_reward,
        } as never)
      } on conflict (id) do nothing returning id`;
      const [row] = await tasksOf(tx, b.date, 'zh-CN', id);
      return { status: made ? 201 as const : 200 as const, task: row };
    });
    if (!task) {
      throw new ApiError('CONFLICT', 'This id is taken by another task: choose a new one.', [{
        field: 'id',
        message: 'id taken',
      }]);
    }
    return c.json(toTask(task), status);
  });

  app.openapi(routes.complete, async (c) => {
    const { id } = c.req.valid('param');
    const date = c.req.header('content-type')?.includes('json') ? c.req.valid('json')?.date : undefined;
    const userId = currentUser(c).sub;
    // The completion and its points are one SQL function, run as the service role for the caller (it writes the
    // ledger); today is the caller's own, when no date is sent.
    const [[{ r }]] = await c.var.db.asService((tx) => [
      tx<{ r: CompletionResult }[]>`
        select diary.complete_task(${userId}::uuid, ${id},
          coalesce(${date ?? null}::date, diary.local_date(diary.user_timezone(${userId}::uuid)))) as r`,
    ]);
    return c.json({
      task_id: id,
      date: r.completion.task_date,
      completed_at: r.completion.completed_at,
      points_granted: r.completion.points_granted,
      balance: r.balance,
      replayed: r.replayed,
    }, 200);
  });
}

/** diary.complete_task's answer. */
type CompletionResult = {
  completion: { task_date: string; completed_at: string; points_granted: number };
  balance: number;
  replayed: boolean;
};
