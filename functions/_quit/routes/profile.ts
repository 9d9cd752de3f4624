// /quit/users/profile (the quit profile: when the user quit, the baseline that money and cigarettes avoided are
// counted from, timezone) and /quit/users/account (delete this app's data now). The profile is one row per user
// (id quit.row_id(user, 'profile')); writing it re-evaluates achievements (a trigger of the schema).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { aal2Route, userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import { Locale, partialWithoutDefaults, StoragePath, Timezone } from '../../_shared/validation.ts';
import type { Tx } from '../../_shared/db.ts';
import { Money, quitRowId } from '../values.ts';

const tags = ['quit'];

const Profile = z
  .object({
    id: z.uuid(),
    quit_at: z.string().openapi({ description: 'The moment the user quit (ISO 8601 with offset)' }),
    quit_reason: z.string().nullable(),
    cigarettes_per_day: z.number().int(),
    price_per_cigarette: z.string().openapi({ description: 'Decimal string, 2 places, in `currency`' }),
    currency: z.string(),
    timezone: z.string(),
    locale: z.string(),
    display_name: z.string().nullable(),
    avatar_path: z.string().nullable(),
    updated_at: z.string(),
    version: z.string(),
  })
  .openapi('QuitProfile');

const ProfileFields = {
  quit_at: z.iso.datetime({ offset: true }),
  quit_reason: z.string().max(1000).nullable(),
  cigarettes_per_day: z.number().int().min(1).max(200),
  price_per_cigarette: Money,
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as CNY'),
  timezone: Timezone,
  locale: Locale,
  display_name: z.string().min(1).max(100).nullable(),
  avatar_path: StoragePath.nullable(),
};

const ProfileUpdate = partialWithoutDefaults(ProfileFields)
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field')
  .openapi('QuitProfileUpdate', {
    description: 'The fields sent replace the stored ones; the first write needs quit_at and cigarettes_per_day',
  });

const DeletedData = z
  .object({
    deleted: z.record(z.string(), z.number().int()).openapi({ description: 'Rows deleted per table' }),
    note: z.string(),
  })
  .openapi('QuitDeletedData');

const routes = {
  get: userRoute({
    method: 'get',
    path: '/quit/users/profile',
    tags,
    summary: 'The quit profile (404 until the first PUT)',
    responses: { 200: jsonContent(Profile, 'The profile') },
  }),
  put: userRoute({
    method: 'put',
    path: '/quit/users/profile',
    tags,
    summary: 'Create or change the quit profile (achievements are re-evaluated)',
    request: { body: jsonBody(ProfileUpdate) },
    responses: { 200: jsonContent(Profile, 'The profile as stored') },
  }),
  deleteAccount: aal2Route({
    method: 'delete',
    path: '/quit/users/account',
    tags,
    summary: "Delete the caller's Quit Journey data now (not the account: whole-account deletion is a later issue)",
    responses: { 200: jsonContent(DeletedData, 'What was deleted') },
  }),
};

type ProfileRow = Omit<z.infer<typeof Profile>, 'version'> & { version: string | number };
const toProfile = (row: ProfileRow) => ({ ...row, version: String(row.version) });

async function readProfile(tx: Tx) {
  const [row] = await tx<ProfileRow[]>`
    select * from quit.profiles where user_id = (select auth.uid()) and deleted_at is null`;
  return row;
}

export function registerQuitProfileRoutes(app: HoutaiApp) {
  app.openapi(routes.get, async (c) => {
    const row = await c.var.db.asUser(currentUser(c), readProfile);
    if (!row) throw new ApiError('NOT_FOUND', 'No quit profile yet: PUT /quit/users/profile first.');
    return c.json(toProfile(row), 200);
  });

  app.openapi(routes.put, async (c) => {
    const change = c.req.valid('json');
    const user = currentUser(c);
    const id = await quitRowId(user.sub, 'profile');
    const row = await c.var.db.asUser(user, async (tx) => {
      // One row per user, with a derived id: a change updates it (a deleted profile comes back to life); the first
      // write creates it (not an upsert: the insert's NOT NULL columns would be checked even when the row exists).
      const [changed] = await tx<ProfileRow[]>`
        update quit.profiles set ${tx({ ...change, deleted_at: null } as never)} where id = ${id} returning *`;
      if (changed) return changed;
      const [created] = await tx<ProfileRow[]>`
        insert into quit.profiles ${tx({ id, user_id: user.sub, ...change } as never)} returning *`;
      return created;
    });
    return c.json(toProfile(row), 200);
  });

  app.openapi(routes.deleteAccount, async (c) => {
    const deleted = await c.var.db.asUser(currentUser(c), async (tx) => {
      const [row] = await tx<[{ counts: Record<string, number> }]>`
        select quit.delete_user_data((select auth.uid())) as counts`;
      return row.counts;
    });
    return c.json({
      deleted,
      note: "Only this app's data was deleted (points already granted stay in the append-only ledger). " +
        'Deleting the whole account across apps comes with a later issue.',
    }, 200);
  });
}
