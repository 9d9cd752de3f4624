// /quit/progress: smoke-free time, cigarettes avoided, money saved (exact decimals, the profile's currency), streaks
// (all from quit.user_metrics, counted in the profile's timezone) and the health milestones (../milestones.ts).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import { milestonesAt } from '../milestones.ts';

const Metrics = z
  .object({
    quit_at: z.string(),
    timezone: z.string(),
    seconds_since_quit: z.number(),
    days_since_quit: z.number().int().openapi({ description: 'Whole local days since the quit moment' }),
    smoke_free_days: z.number().int(),
    cigarettes_smoked_since_quit: z.number().int(),
    cigarettes_avoided: z.number().int().openapi({ description: 'cigarettes_per_day × days − smoked, never < 0' }),
    money_saved: z.string().openapi({ description: 'avoided × price, a decimal string with 2 places' }),
    currency: z.string(),
    total_checkins: z.number().int(),
    current_streak: z.number().int(),
    longest_streak: z.number().int(),
  });

const Milestone = z
  .object({
    key: z.string(),
    after_seconds: z.number().int(),
    title: z.object({ 'zh-CN': z.string(), en: z.string() }),
    source: z.string(),
    reached: z.boolean(),
    reached_at: z.string(),
    progress: z.number(),
  })
  .openapi('QuitHealthMilestone');

const route = userRoute({
  method: 'get',
  path: '/quit/progress',
  tags: ['quit'],
  summary: 'Smoke-free time, cigarettes avoided, money saved, streaks and health milestones',
  responses: {
    200: jsonContent(Metrics.extend({ milestones: z.array(Milestone) }).openapi('QuitProgress'), 'Progress now'),
  },
});

export function registerQuitProgressRoutes(app: HoutaiApp) {
  app.openapi(route, async (c) => {
    const [[{ metrics }]] = await c.var.db.asUser(currentUser(c), (tx) => [
      tx<[{ metrics: z.infer<typeof Metrics> | null }]>`select quit.user_metrics((select auth.uid())) as metrics`,
    ]);
    if (!metrics?.quit_at) throw new ApiError('NOT_FOUND', 'No quit profile yet: PUT /quit/users/profile first.');
    return c.json({ ...metrics, milestones: milestonesAt(metrics.quit_at, metrics.seconds_since_quit) }, 200);
  });
}
