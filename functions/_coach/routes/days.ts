// /coach/day-logs/{date}: a day with all its records, score, note and AI texts; /coach/ai/*: the nightly review,
// tomorrow's plan and reading summaries as AI tasks (202 + task id; poll /coach/ai/tasks/{id} or Realtime).
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../_shared/http/context.ts';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import type { Tx } from '../../_shared/db.ts';
import type { Moderator } from '../../_shared/providers/moderation.ts';
import { createAiTask } from '../../_ai/tasks.ts';
import { AiTaskOut, aiTaskOut } from '../../_ai/task-response.ts';
import { COACH_AI_USE_CASES } from '../ai.ts';
import { type Dimension, DIMENSION_NAMES, LocalDate } from '../dimensions.ts';
import { RECORD_SCHEMAS, type RecordRow, toCoachRecord } from '../records.ts';

const tags = ['coach'];
const DateParam = z.object({ date: LocalDate.openapi({ param: { name: 'date', in: 'path' } }) });

/** A day's records: for each dimension, its records of that day, oldest first. */
const DayRecords = z
  .object(
    Object.fromEntries(DIMENSION_NAMES.map((d) => [d, z.array(RECORD_SCHEMAS[d].record)])) as {
      [D in Dimension]: z.ZodArray<(typeof RECORD_SCHEMAS)[D]['record']>;
    },
  )
  .openapi('CoachDayRecords', { description: 'Per dimension, oldest first' });

const Day = z
  .object({
    id: z.uuid(),
    date: z.string(),
    exists: z.boolean().openapi({ description: 'False for a day with nothing recorded yet' }),
    score: z.number().int().nullable(),
    note: z.string().nullable(),
    mood: z.number().int().nullable(),
    status: z.enum(['open', 'reviewed']),
    ai_report: z.string().nullable(),
    ai_plan: z.string().nullable(),
    records: DayRecords,
    version: z.string().nullable(),
  })
  .openapi('CoachDay');

const DayUpdate = z
  .object({
    note: z.string().max(2000).nullable().optional(),
    mood: z.number().int().min(1).max(5).nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send note or mood')
  .openapi('CoachDayUpdate');

const Accepted = jsonContent(AiTaskOut, 'Accepted: poll /coach/ai/tasks/{id}');

const routes = {
  get: userRoute({
    method: 'get',
    path: '/coach/day-logs/{date}',
    tags,
    summary: 'The day: records of every dimension, score, note, AI review and plan',
    request: { params: DateParam },
    responses: { 200: jsonContent(Day, 'The day') },
  }),
  put: userRoute({
    method: 'put',
    path: '/coach/day-logs/{date}',
    tags,
    summary: "Set the day's note or mood",
    request: { params: DateParam, body: jsonBody(DayUpdate) },
    responses: { 200: jsonContent(Day, 'The day') },
  }),
  review: userRoute({
    method: 'post',
    path: '/coach/ai/review',
    tags,
    summary: "Nightly review (夜间复盘) of a day; written to the day's ai_report when done",
    request: { body: jsonBody(z.object({ date: LocalDate }).strict()) },
    responses: { 202: Accepted },
  }),
  plan: userRoute({
    method: 'post',
    path: '/coach/ai/tomorrow-plan',
    tags,
    summary: "A plan for the day after (明日计划), from a day's records; written to the day's ai_plan",
    request: { body: jsonBody(z.object({ date: LocalDate }).strict()) },
    responses: { 202: Accepted },
  }),
  readingSummary: userRoute({
    method: 'post',
    path: '/coach/ai/reading-summary',
    tags,
    summary: "A summary of a reading session and its notes; written to the reading's ai_summary",
    request: { body: jsonBody(z.object({ reading_id: z.uuid() }).strict()) },
    responses: { 202: Accepted },
  }),
};

type DayLogRow = {
  score: number | null;
  note: string | null;
  mood: number | null;
  status: 'open' | 'reviewed';
  ai_report: string | null;
  ai_plan: string | null;
  version: number;
};

type DayRow = { day: { id: string; log: DayLogRow | null; records: Record<string, RecordRow[]> } };

/** The day as one statement (coach.day_view), so a route can send it in the same flight as its writes. */
const dayStatement = (tx: Tx, date: string) => tx<DayRow[]>`select coach.day_view(${date}::date) as day`;

function toDay([{ day }]: DayRow[], date: string): z.infer<typeof Day> {
  const log = day.log;
  const records = Object.fromEntries(
    DIMENSION_NAMES.map((d) => [d, day.records[d].map((row) => toCoachRecord(d, row, log?.score ?? null))]),
  ) as z.infer<typeof DayRecords>;
  return {
    id: day.id,
    date,
    exists: !!log,
    score: log?.score ?? null,
    note: log?.note ?? null,
    mood: log?.mood ?? null,
    status: log?.status ?? 'open',
    ai_report: log?.ai_report ?? null,
    ai_plan: log?.ai_plan ?? null,
    records,
    version: log ? String(log.version) : null,
  };
}

export function registerCoachDayRoutes(app: HoutaiApp, deps: { moderator: () => Moderator }) {
  app.openapi(routes.get, async (c) => {
    const { date } = c.req.valid('param');
    const [day] = await c.var.db.asUser(currentUser(c), (tx) => [dayStatement(tx, date)]);
    return c.json(toDay(day, date), 200);
  });

  app.openapi(routes.put, async (c) => {
    const { date } = c.req.valid('param');
    const change = c.req.valid('json');
    const [, day] = await c.var.db.asUser(currentUser(c), (tx) => [
      tx`
        insert into coach.day_logs (id, user_id, log_date, note, mood)
        values (coach.day_log_id((select auth.uid()), ${date}::date), (select auth.uid()), ${date}, ${
        change.note ?? null
      }, ${change.mood ?? null})
        on conflict (user_id, log_date) do update
           set note = case when ${'note' in change} then excluded.note else coach.day_logs.note end,
               mood = case when ${'mood' in change} then excluded.mood else coach.day_logs.mood end,
               deleted_at = null
        returning id`,
      dayStatement(tx, date),
    ]);
    return c.json(toDay(day, date), 200);
  });

  /** A day's AI task: the day must have records (else there is nothing to review). */
  async function startDayTask(c: Context<AppEnv>, date: string, kind: 'coach.review' | 'coach.tomorrow_plan') {
    const user = currentUser(c);
    const brief = await c.var.db.asUser(user, async (tx) => {
      const [row] = await tx<[{ brief: Record<string, unknown>; style: unknown }]>`
        select coach.day_brief(${date}) as brief,
               (select s.ai_style from coach.settings s
                 where s.user_id = (select auth.uid()) and s.deleted_at is null) as style`;
      return { ...row.brief, style: row.style ?? {} } as Record<string, unknown>;
    });
    if (brief.score === null) {
      throw new ApiError(
        'BUSINESS_RULE_VIOLATION',
        `Nothing is recorded on ${date}: record something before asking for a review or a plan.`,
        [{ field: 'date', message: 'no records that day' }],
      );
    }
    return aiTaskOut(await createAiTask(c.var.db, deps.moderator(), kind, COACH_AI_USE_CASES[kind], user.sub, brief));
  }
  app.openapi(routes.review, async (c) => c.json(await startDayTask(c, c.req.valid('json').date, 'coach.review'), 202));
  app.openapi(
    routes.plan,
    async (c) => c.json(await startDayTask(c, c.req.valid('json').date, 'coach.tomorrow_plan'), 202),
  );

  app.openapi(routes.readingSummary, async (c) => {
    const { reading_id } = c.req.valid('json');
    const user = currentUser(c);
    const input = await c.var.db.asUser(user, async (tx) => {
      const [row] = await tx<
        {
          reading_id: string;
          book: string;
          minutes: number;
          pages: number | null;
          notes: string | null;
          style: unknown;
        }[]
      >`
        select r.id as reading_id, r.book, r.minutes, r.pages,
               case when coalesce(s.share_notes_with_ai, true) then r.notes end as notes,
               coalesce(s.ai_style, '{}'::jsonb) as style
          from coach.readings r left join coach.settings s on s.user_id = r.user_id and s.deleted_at is null
         where r.id = ${reading_id} and r.deleted_at is null`;
      return row;
    });
    if (!input) throw new ApiError('NOT_FOUND', 'No such reading record.');
    const task = await createAiTask(
      c.var.db,
      deps.moderator(),
      'coach.reading_summary',
      COACH_AI_USE_CASES['coach.reading_summary'],
      user.sub,
      { ...input },
    );
    return c.json(aiTaskOut(task), 202);
  });
}
