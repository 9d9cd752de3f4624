// GET/PATCH /{app}/me: the caller's profile (shared by all apps) and their profile in this app.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import type { Tx } from '../../_shared/db.ts';
import type { AppId } from '../../_shared/apps.ts';
import type { Tables } from '../../_shared/database.types.ts';
import { JsonObject, Locale, StoragePath, Timezone } from '../../_shared/validation.ts';
import { checkUpload } from '../../_files/upload-check.ts';

const Preferences = JsonObject.openapi({ description: 'App-specific client preferences (JSON object, ≤ 16 KB)' });

const Me = z
  .object({
    id: z.uuid(),
    display_name: z.string().nullable(),
    avatar_path: z.string().nullable().openapi({ description: 'Object path in the avatars bucket' }),
    timezone: z.string(),
    locale: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    app: z.object({
      app_id: z.string(),
      preferences: Preferences,
      first_seen_at: z.string(),
      last_seen_at: z.string(),
    }),
  })
  .openapi('Me');

const MePatch = z
  .object({
    display_name: z.string().trim().min(1).max(64).nullable().optional(),
    avatar_path: StoragePath.nullable().optional().openapi({
      description: 'An avatar uploaded with POST /{app}/files/upload-url (purpose avatar); null removes it',
    }),
    timezone: Timezone.optional(),
    locale: Locale.optional(),
    preferences: Preferences.optional().openapi({
      description: 'Merged into the stored preferences; a null value removes a key',
    }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change')
  .openapi('MePatch');

const getMe = userRoute({
  method: 'get',
  path: '/{app}/me',
  tags: ['profile'],
  summary: "The caller's profile and their profile in this app (created on first use)",
  request: { params: AppParam },
  responses: { 200: jsonContent(Me, 'The profile') },
});

const patchMe = userRoute({
  method: 'patch',
  path: '/{app}/me',
  tags: ['profile'],
  summary: "Change the caller's display name, avatar, timezone, locale or app preferences",
  request: { params: AppParam, body: jsonBody(MePatch) },
  responses: { 200: jsonContent(Me, 'The updated profile') },
});

type ProfileRow = Tables<'profiles'>;
type AppProfileRow = Tables<'app_profiles'>;

/** The caller's app profile, created on the first request from this app. */
async function ensureAppProfile(tx: Tx, appId: AppId): Promise<AppProfileRow> {
  const [existing] = await tx<AppProfileRow[]>`
    select * from public.app_profiles where user_id = (select auth.uid()) and app_id = ${appId}`;
  if (existing) return existing;
  const [created] = await tx<AppProfileRow[]>`
    insert into public.app_profiles (user_id, app_id) values ((select auth.uid()), ${appId})
    on conflict (user_id, app_id) do update set last_seen_at = now()
    returning *`;
  return created;
}

async function readMe(tx: Tx, appId: AppId) {
  const [profile] = await tx<ProfileRow[]>`select * from public.profiles where id = (select auth.uid())`;
  if (!profile) throw new ApiError('NOT_FOUND', 'This user has no profile.');
  const app = await ensureAppProfile(tx, appId);
  return {
    ...profile,
    app: {
      app_id: app.app_id,
      preferences: app.preferences as Record<string, unknown>,
      first_seen_at: app.first_seen_at,
      last_seen_at: app.last_seen_at,
    },
  };
}

export function registerMeRoutes(app: HoutaiApp) {
  app.openapi(getMe, async (c) => {
    const { app: appId } = c.req.valid('param');
    return c.json(await c.var.db.asUser(currentUser(c), (tx) => readMe(tx, appId)), 200);
  });

  app.openapi(patchMe, async (c) => {
    const { app: appId } = c.req.valid('param');
    const { preferences, ...base } = c.req.valid('json');
    const user = currentUser(c);
    const me = await c.var.db.asUser(user, async (tx) => {
      if (base.avatar_path) await checkUpload(tx, 'avatar', appId, user.sub, base.avatar_path);
      if (Object.keys(base).length > 0) {
        await tx`update public.profiles set ${tx(base)} where id = (select auth.uid())`;
      }
      if (preferences) {
        await ensureAppProfile(tx, appId);
        await tx`
          update public.app_profiles
             set preferences = jsonb_strip_nulls(preferences || ${tx.json(preferences as never)})
           where user_id = (select auth.uid()) and app_id = ${appId}`;
      }
      return readMe(tx, appId);
    });
    return c.json(me, 200);
  });
}
