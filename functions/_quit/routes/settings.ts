// /quit/users/settings (everything) and /quit/notifications/settings (the notification part of the same row):
// the daily check-in reminder, which notification kinds the user wants, quiet hours. One row per user (id
// quit.row_id(user, 'settings')); until the first write the schema's defaults are what the user gets.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import type { Tx } from '../../_shared/db.ts';
import { LocalTime, quitRowId } from '../values.ts';

const tags = ['quit'];

const Settings = z
  .object({
    reminder_enabled: z.boolean(),
    reminder_time: z.string().openapi({ description: "HH:MM, in the profile's timezone" }),
    notify_achievements: z.boolean(),
    notify_milestones: z.boolean(),
    notify_encouragement: z.boolean(),
    quiet_hours_start: z.string().nullable(),
    quiet_hours_end: z.string().nullable(),
    version: z.string().nullable().openapi({ description: 'Null until the first change (defaults)' }),
  })
  .openapi('QuitSettings');

const NotificationFields = {
  notify_achievements: z.boolean().optional(),
  notify_milestones: z.boolean().optional(),
  notify_encouragement: z.boolean().optional(),
  quiet_hours_start: LocalTime.nullable().optional(),
  quiet_hours_end: LocalTime.nullable().optional(),
};
const ReminderFields = { reminder_enabled: z.boolean().optional(), reminder_time: LocalTime.optional() };

const nonEmpty = (b: object) => Object.keys(b).length > 0;
const quietHoursTogether = (b: { quiet_hours_start?: string | null; quiet_hours_end?: string | null }) =>
  (b.quiet_hours_start === undefined) === (b.quiet_hours_end === undefined);
const QUIET_HOURS = { message: 'quiet_hours_start and quiet_hours_end go together', path: ['quiet_hours_end'] };

const SettingsUpdate = z
  .object({ ...ReminderFields, ...NotificationFields })
  .strict()
  .refine(nonEmpty, 'send at least one field')
  .refine(quietHoursTogether, QUIET_HOURS)
  .openapi('QuitSettingsUpdate');
const NotificationSettingsUpdate = z
  .object(NotificationFields)
  .strict()
  .refine(nonEmpty, 'send at least one field')
  .refine(quietHoursTogether, QUIET_HOURS)
  .openapi('QuitNotificationSettingsUpdate');

const routes = {
  get: userRoute({
    method: 'get',
    path: '/quit/users/settings',
    tags,
    summary: 'Reminder, notification kinds and quiet hours (the defaults until changed)',
    responses: { 200: jsonContent(Settings, 'Settings') },
  }),
  put: userRoute({
    method: 'put',
    path: '/quit/users/settings',
    tags,
    summary: 'Change settings: the fields sent replace the stored ones',
    request: { body: jsonBody(SettingsUpdate) },
    responses: { 200: jsonContent(Settings, 'Settings') },
  }),
  notifications: userRoute({
    method: 'put',
    path: '/quit/notifications/settings',
    tags,
    summary: 'Change which notifications the user wants and the quiet hours',
    request: { body: jsonBody(NotificationSettingsUpdate) },
    responses: { 200: jsonContent(Settings, 'Settings') },
  }),
};

/** The caller's settings: their row, or the schema's defaults (quit.settings) while there is none. */
async function readSettings(tx: Tx): Promise<z.infer<typeof Settings>> {
  const [row] = await tx<z.infer<typeof Settings>[]>`
    select coalesce(s.reminder_enabled, true) as reminder_enabled,
           to_char(coalesce(s.reminder_time, '09:00'), 'HH24:MI') as reminder_time,
           coalesce(s.notify_achievements, true) as notify_achievements,
           coalesce(s.notify_milestones, true) as notify_milestones,
           coalesce(s.notify_encouragement, true) as notify_encouragement,
           to_char(s.quiet_hours_start, 'HH24:MI') as quiet_hours_start,
           to_char(s.quiet_hours_end, 'HH24:MI') as quiet_hours_end,
           s.version::text as version
      from (select 1) one
      left join quit.settings s on s.user_id = (select auth.uid()) and s.deleted_at is null`;
  return row;
}

async function changeSettings(tx: Tx, userId: string, change: Record<string, unknown>) {
  const id = await quitRowId(userId, 'settings');
  await tx`
    insert into quit.settings ${tx({ id, user_id: userId, ...change } as never)}
    on conflict (id) do update set ${tx({ ...change, deleted_at: null } as never)}`;
  return readSettings(tx);
}

export function registerQuitSettingsRoutes(app: HoutaiApp) {
  app.openapi(routes.get, async (c) => c.json(await c.var.db.asUser(currentUser(c), readSettings), 200));
  for (const route of [routes.put, routes.notifications]) {
    app.openapi(route, async (c) => {
      const user = currentUser(c);
      const change = c.req.valid('json');
      return c.json(await c.var.db.asUser(user, (tx) => changeSettings(tx, user.sub, change)), 200);
    });
  }
}
