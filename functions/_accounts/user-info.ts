// What a sign-in answers about the user for apps that keep a profile of their own (Growth Diary's login answer has
// the seed's userInfo): the shape, and how an app reads it.
import { z } from '@hono/zod-openapi';
import type { Tx } from '../_shared/db.ts';

/** The user as an app that keeps a profile of its own shows them at sign-in (Growth Diary's login answer). */
export const SignInUserInfo = z
  .object({
    id: z.uuid(),
    nickname: z.string().nullable(),
    avatar: z.string().nullable().openapi({ description: 'Object path in the avatars bucket' }),
    points: z.number().int(),
  })
  .openapi('SignInUserInfo');
export type SignInUserInfo = z.infer<typeof SignInUserInfo>;

/** Reads an app's userInfo for the user just signed in (service role: `tx` names the user). */
export type UserInfoReader = (tx: Tx, userId: string) => Promise<SignInUserInfo>;
