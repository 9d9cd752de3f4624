// GET/PUT /diary/user/profile: the child's diary profile (functions/_diary/profile.ts).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { StoragePath, Timezone } from '../../_shared/validation.ts';
import { checkUpload } from '../../_files/upload-check.ts';
import { APP } from '../app-id.ts';
import { DiaryProfile, readDiaryProfile } from '../profile.ts';

const tags = ['diary'];

const ProfileUpdate = z
  .object({
    nickname: z.string().trim().min(1).max(40).optional(),
    avatar: StoragePath.nullable().optional().openapi({
      description: 'An avatar uploaded with POST /diary/files/upload-url (purpose avatar); null removes it',
    }),
    timezone: Timezone.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change')
  .openapi('DiaryProfileUpdate');

const routes = {
  get: userRoute({
    method: 'get',
    path: '/diary/user/profile',
    tags,
    summary: 'Nickname, avatar, points and the diary counters',
    responses: { 200: jsonContent(DiaryProfile, 'The profile') },
  }),
  put: userRoute({
    method: 'put',
    path: '/diary/user/profile',
    tags,
    summary: 'Change the nickname, avatar or timezone',
    request: { body: jsonBody(ProfileUpdate) },
    responses: { 200: jsonContent(DiaryProfile, 'The updated profile') },
  }),
};

export function registerDiaryProfileRoutes(app: HoutaiApp) {
  app.openapi(routes.get, async (c) => {
    const user = currentUser(c);
    return c.json(await c.var.db.asUser(user, (tx) => readDiaryProfile(tx, user.sub)), 200);
  });

  app.openapi(routes.put, async (c) => {
    const user = currentUser(c);
    const b = c.req.valid('json');
    const change = {
      ...(b.nickname !== undefined ? { nickname: b.nickname } : {}),
      ...(b.avatar !== undefined ? { avatar_path: b.avatar } : {}),
      ...(b.timezone !== undefined ? { timezone: b.timezone } : {}),
    };
    const profile = await c.var.db.asUser(user, async (tx) => {
      if (b.avatar) await checkUpload(tx, 'avatar', APP, user.sub, b.avatar);
      await tx`
        insert into diary.profiles ${tx({ id: user.sub, user_id: user.sub, ...change } as never)}
        on conflict (id) do update set ${tx(change as never)}`;
      return readDiaryProfile(tx, user.sub);
    });
    return c.json(profile, 200);
  });
}
