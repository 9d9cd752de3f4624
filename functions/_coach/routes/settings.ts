// /coach/settings: reminders (local times in the profile's timezone), AI style and privacy, and the goals per
// dimension (defaults until the user sets their own). Rows have ids derived from user and key (coach.row_id).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import type { Tx } from '../../_shared/db.ts';
import { AiStyle } from '../../_ai/prompts.ts';
import { partialWithoutDefaults } from '../../_shared/validation.ts';
import { type Dimension, DIMENSION_NAMES } from '../dimensions.ts';

const tags = ['coach'];
const UNITS: Record<Dimension, string> = {
  workout: 'minutes',
  meal: 'meals',
  sleep: 'hours',
  work: 'focus minutes',
  reading: 'minutes',
};
const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour').openapi({ example: '21:30' });

const Target = z.object({
  dimension: z.enum(DIMENSION_NAMES as [Dimension, ...Dimension[]]),
  daily_goal: z.number().positive().max(10000),
  weekly_goal: z.number().positive().max(70000),
});

const Settings = z
  .object({
    timezone: z.string().openapi({
      description: 'From the profile (PATCH /coach/me): dates and reminder times are in it',
    }),
    reminders_enabled: z.boolean(),
    record_reminder: z.string().nullable(),
    review_reminder: z.string().nullable(),
    ai_style: partialWithoutDefaults(AiStyle.unwrap().shape).openapi('CoachAiStyle', {
      description: 'As set with PUT /coach/settings/ai; {} until then (the AI then writes gentle, medium, zh-CN)',
    }),
    share_notes_with_ai: z.boolean(),
    targets: z.array(Target.extend({ unit: z.string(), is_default: z.boolean() })),
  })
  .openapi('CoachSettings');

const routes = {
  get: userRoute({
    method: 'get',
    path: '/coach/settings',
    tags,
    summary: 'Reminders, AI style, privacy and goals',
    responses: { 200: jsonContent(Settings, 'Settings') },
  }),
  targets: userRoute({
    method: 'put',
    path: '/coach/settings/targets',
    tags,
    summary: 'Set goals for some dimensions (recent day scores follow)',
    request: {
      body: jsonBody(z.object({ targets: z.array(Target).min(1).max(5) }).strict().openapi('CoachTargetsUpdate')),
    },
    responses: { 200: jsonContent(Settings, 'Settings') },
  }),
  notifications: userRoute({
    method: 'put',
    path: '/coach/settings/notifications',
    tags,
    summary: 'Reminder switches and local times',
    request: {
      body: jsonBody(
        z.object({
          reminders_enabled: z.boolean().optional(),
          record_reminder: LocalTime.nullable().optional(),
          review_reminder: LocalTime.nullable().optional(),
        }).strict().openapi('CoachNotificationsUpdate'),
      ),
    },
    responses: { 200: jsonContent(Settings, 'Settings') },
  }),
  ai: userRoute({
    method: 'put',
    path: '/coach/settings/ai',
    tags,
    summary: 'AI style (tone, length, language) and whether the AI may read notes',
    request: {
      body: jsonBody(
        z.object({ ai_style: AiStyle.optional(), share_notes_with_ai: z.boolean().optional() }).strict().openapi(
          'CoachAiSettingsUpdate',
        ),
      ),
    },
    responses: { 200: jsonContent(Settings, 'Settings') },
  }),
};

async function readSettings(tx: Tx): Promise<z.infer<typeof Settings>> {
  const [row] = await tx<
    {
      timezone: string;
      reminders_enabled: boolean | null;
      record_reminder: string | null;
      review_reminder: string | null;
      ai_style: Record<string, unknown> | null;
      share_notes_with_ai: boolean | null;
    }[]
  >`
    select p.timezone, s.reminders_enabled, to_char(s.record_reminder, 'HH24:MI') as record_reminder,
           coalesce(to_char(s.review_reminder, 'HH24:MI'), case when s.id is null then '21:30' end) as review_reminder,
           s.ai_style, s.share_notes_with_ai
      from public.profiles p left join coach.settings s on s.user_id = p.id and s.deleted_at is null
     where p.id = (select auth.uid())`;
  const targets = await tx<{ dimension: Dimension; daily_goal: string; weekly_goal: string; is_default: boolean }[]>`
    select u.dimension, u.daily_goal, u.weekly_goal,
           not exists (select 1 from coach.targets t
                        where t.user_id = (select auth.uid()) and t.dimension = u.dimension and t.deleted_at is null)
             as is_default
      from coach.user_targets((select auth.uid())) u order by array_position(${DIMENSION_NAMES}::text[], u.dimension)`;
  return {
    timezone: row.timezone,
    reminders_enabled: row.reminders_enabled ?? true,
    record_reminder: row.record_reminder,
    review_reminder: row.review_reminder,
    ai_style: row.ai_style ?? {},
    share_notes_with_ai: row.share_notes_with_ai ?? true,
    targets: targets.map((t) => ({
      dimension: t.dimension,
      daily_goal: Number(t.daily_goal),
      weekly_goal: Number(t.weekly_goal),
      unit: UNITS[t.dimension],
      is_default: t.is_default,
    })),
  };
}

/** Writes the caller's settings row (created on first change). */
async function changeSettings(tx: Tx, change: Record<string, unknown>) {
  await tx`
    insert into coach.settings (id, user_id) values (coach.row_id((select auth.uid()), 'settings'), (select auth.uid()))
    on conflict (id) do nothing`;
  await tx`update coach.settings set ${tx(change as never)}, deleted_at = null where user_id = (select auth.uid())`;
}

export function registerCoachSettingsRoutes(app: HoutaiApp) {
  app.openapi(routes.get, async (c) => c.json(await c.var.db.asUser(currentUser(c), readSettings), 200));

  app.openapi(routes.targets, async (c) => {
    const { targets } = c.req.valid('json');
    return c.json(
      await c.var.db.asUser(currentUser(c), async (tx) => {
        for (const t of targets) {
          await tx`
          insert into coach.targets (id, user_id, dimension, daily_goal, weekly_goal)
          values (coach.row_id((select auth.uid()), ${`target/${t.dimension}`}), (select auth.uid()), ${t.dimension},
                  ${t.daily_goal}, ${t.weekly_goal})
          on conflict (id) do update
            set daily_goal = excluded.daily_goal, weekly_goal = excluded.weekly_goal, deleted_at = null`;
        }
        return readSettings(tx);
      }),
      200,
    );
  });

  app.openapi(routes.notifications, async (c) => {
    const change = c.req.valid('json');
    return c.json(
      await c.var.db.asUser(currentUser(c), async (tx) => {
        if (Object.keys(change).length) await changeSettings(tx, change);
        return readSettings(tx);
      }),
      200,
    );
  });

  app.openapi(routes.ai, async (c) => {
    const { ai_style, share_notes_with_ai } = c.req.valid('json');
    return c.json(
      await c.var.db.asUser(currentUser(c), async (tx) => {
        const change = {
          ...(ai_style ? { ai_style: tx.json(ai_style) } : {}),
          ...(share_notes_with_ai !== undefined ? { share_notes_with_ai } : {}),
        };
        if (Object.keys(change).length) await changeSettings(tx, change);
        return readSettings(tx);
      }),
      200,
    );
  });
}
