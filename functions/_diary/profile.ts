// The child's diary profile: nickname, avatar and timezone, with the counters the database keeps from the diaries
// (total, streak, last date) and the point balance. GET/PUT /diary/user/profile show it, and the WeChat sign-in
// answers with part of it as the seed's userInfo.
import { z } from '@hono/zod-openapi';
import type { Tx } from '../_shared/db.ts';
import type { UserInfoReader } from '../_accounts/user-info.ts';
import { APP, CURRENCY } from './app-id.ts';

export const DiaryProfile = z
  .object({
    id: z.uuid(),
    nickname: z.string().nullable(),
    avatar: z.string().nullable().openapi({ description: 'Object path in the avatars bucket' }),
    points: z.number().int(),
    total_diaries: z.number().int().openapi({ description: 'Diaries that are not drafts' }),
    continuous_days: z.number().int().openapi({
      description: 'The run of consecutive days ending at the latest diary, if that is today or yesterday; else 0',
    }),
    last_diary_date: z.string().nullable(),
    timezone: z.string(),
  })
  .openapi('DiaryProfile');
export type DiaryProfile = z.infer<typeof DiaryProfile>;

type ProfileRow = {
  nickname: string | null;
  avatar_path: string | null;
  total_diaries: number;
  continuous_days: number;
  last_diary_date: string | null;
  timezone: string;
};

/** The profile of a user; the counters read zero before the first diary. `tx` is the user's or names them. */
export async function readDiaryProfile(tx: Tx, userId: string): Promise<DiaryProfile> {
  const [row] = await tx<ProfileRow[]>`
    select d.nickname, d.avatar_path, coalesce(d.total_diaries, 0)::int as total_diaries,
           coalesce(d.continuous_days, 0)::int as continuous_days, d.last_diary_date,
           coalesce(d.timezone, p.timezone) as timezone
      from public.profiles p left join diary.profiles d on d.id = p.id
     where p.id = ${userId}`;
  const [balance] = await tx<{ balance: number }[]>`
    select coalesce(sum(balance), 0)::int as balance from public.wallet_accounts
     where user_id = ${userId} and app_id = ${APP} and currency = ${CURRENCY}`;
  return {
    id: userId,
    nickname: row?.nickname ?? null,
    avatar: row?.avatar_path ?? null,
    points: balance?.balance ?? 0,
    total_diaries: row?.total_diaries ?? 0,
    continuous_days: row?.continuous_days ?? 0,
    last_diary_date: row?.last_diary_date ?? null,
    timezone: row?.timezone ?? 'Asia/Shanghai',
  };
}

/** The seed's login userInfo, for POST /diary/auth/wechat. */
export const diaryUserInfo: UserInfoReader = async (tx, userId) => {
  const { id, nickname, avatar, points } = await readDiaryProfile(tx, userId);
  return { id, nickname, avatar, points };
};
