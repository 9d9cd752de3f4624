// /coach/stats/weekly?week=2026-W48 and /coach/stats/monthly?month=2026-11: totals, averages, goal attainment,
// streaks and day scores (coach.period_stats), with an AI summary made once per version of the period's data.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../_shared/http/context.ts';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import type { Moderator } from '../../_shared/providers/moderation.ts';
import { createAiTask } from '../../_ai/tasks.ts';
import { COACH_AI_USE_CASES } from '../ai.ts';
import { isoWeekRange, monthRange } from '../periods.ts';

const tags = ['coach'];

const Stats = z
  .object({
    period: z.string(),
    from: z.string(),
    to: z.string(),
    days: z.number().int(),
    dimensions: z.record(z.string(), z.record(z.string(), z.number())),
    day_scores: z.array(z.object({ date: z.string(), score: z.number().int() })),
    average_score: z.number().nullable(),
    record_streak: z.number().int().openapi({ description: 'The longest run of consecutive days with any record' }),
    ai_summary: z
      .object({ status: z.enum(['pending', 'ready']), text: z.string().nullable(), task_id: z.string().nullable() })
      .nullable()
      .openapi({
        description: 'Null for a period without records; pending while the AI writes it (poll again or follow task_id)',
      }),
  })
  .openapi('CoachStats');

const routes = {
  weekly: userRoute({
    method: 'get',
    path: '/coach/stats/weekly',
    tags,
    summary: 'Statistics of an ISO week (Monday to Sunday, local dates) against the weekly goals',
    request: { query: z.object({ week: z.string().regex(/^\d{4}-W\d{2}$/).openapi({ example: '2026-W48' }) }) },
    responses: { 200: jsonContent(Stats, 'The week') },
  }),
  monthly: userRoute({
    method: 'get',
    path: '/coach/stats/monthly',
    tags,
    summary: 'Statistics of a calendar month against the daily goals × days',
    request: {
      query: z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/).openapi({ example: '2026-11' }) }),
    },
    responses: { 200: jsonContent(Stats, 'The month') },
  }),
};

type PeriodStats = Omit<z.infer<typeof Stats>, 'period' | 'ai_summary'> & {
  fingerprint: string;
  dimensions: Record<string, { records: number }>;
};

export function registerCoachStatsRoutes(app: HoutaiApp, deps: { moderator: () => Moderator }) {
  async function stats(c: Context<AppEnv>, period: string, from: string, to: string) {
    const user = currentUser(c);
    const { row, cached, style } = await c.var.db.asUser(user, async (tx) => {
      const [{ s }] = await tx<[{ s: PeriodStats }]>`select coach.period_stats(${from}, ${to}) as s`;
      const [summary] = await tx<{ fingerprint: string; summary: string | null; ai_task_id: string | null }[]>`
        select fingerprint, summary, ai_task_id from coach.period_summaries
         where user_id = (select auth.uid()) and period = ${period}`;
      const [settings] = await tx<
        { ai_style: unknown }[]
      >`select ai_style from coach.settings where user_id = (select auth.uid()) and deleted_at is null`;
      return { row: s, cached: summary, style: settings?.ai_style ?? {} };
    });
    const { fingerprint, ...numbers } = row;
    const hasRecords = Object.values(row.dimensions).some((d) => d.records > 0);
    let aiSummary: z.infer<typeof Stats>['ai_summary'] = null;
    if (hasRecords && cached?.fingerprint === fingerprint) {
      aiSummary = { status: cached.summary ? 'ready' : 'pending', text: cached.summary, task_id: cached.ai_task_id };
    } else if (hasRecords) {
      // New or changed data: one summary task for this version of the period, cached when it completes.
      const task = await createAiTask(
        c.var.db,
        deps.moderator(),
        'coach.period_summary',
        COACH_AI_USE_CASES['coach.period_summary'],
        user.sub,
        { period, stats: numbers, style },
      );
      await c.var.db.asService((tx) =>
        tx`select coach.period_summary_claim(${user.sub}, ${period}, ${fingerprint}, ${task.id})`
      );
      aiSummary = { status: 'pending', text: null, task_id: task.id };
    }
    return { period, ...numbers, ai_summary: aiSummary };
  }

  app.openapi(routes.weekly, async (c) => {
    const { week } = c.req.valid('query');
    const { from, to } = isoWeekRange(week);
    return c.json(await stats(c, week, from, to), 200);
  });
  app.openapi(routes.monthly, async (c) => {
    const { month } = c.req.valid('query');
    const { from, to } = monthRange(month);
    return c.json(await stats(c, month, from, to), 200);
  });
}
