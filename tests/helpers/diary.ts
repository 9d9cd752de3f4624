// Growth Diary as its mini program drives it, through the stack: WeChat sign-in (against the fake WeChat), images
// uploaded through a signed URL, and the app's routes under /diary.
import { expect } from 'vitest';
import { registerWechatCode } from './auth.ts';
import { adminSql } from './db.ts';
import { call } from './http.ts';

export type DiaryUser = Awaited<ReturnType<typeof wechatLogin>>;

/** A new diary user, signed in with a fresh wx.login() code; the answer's body as `signIn`. */
export async function wechatLogin() {
  const unique = crypto.randomUUID().slice(0, 12);
  const code = `code-${unique}`;
  await registerWechatCode('diary', { code, openid: `openid-${unique}`, unionid: `union-${unique}` });
  const res = await call('POST', '/diary/auth/wechat', { json: { code } });
  expect(res.status).toBe(200);
  const token = res.body.access_token as string;
  return { token, userId: res.body.user.id as string, signIn: res.body, api: diaryApi(token) };
}

/** The app's routes as one user calls them; `headers` for an Idempotency-Key. */
export function diaryApi(token: string) {
  return {
    get: (path: string) => call('GET', `/diary${path}`, { token }),
    post: (path: string, json?: unknown, headers?: Record<string, string>) =>
      call('POST', `/diary${path}`, { token, json, headers }),
    put: (path: string, json: unknown) => call('PUT', `/diary${path}`, { token, json }),
    del: (path: string) => call('DELETE', `/diary${path}`, { token }),
  };
}

/** Uploads a small JPEG with purpose diary_image; its storage path. */
export async function uploadDiaryImage(user: DiaryUser): Promise<string> {
  const bytes = 'a picture of the park';
  const issued = await user.api.post('/files/upload-url', {
    purpose: 'diary_image',
    content_type: 'image/jpeg',
    size: bytes.length,
  });
  expect(issued.status).toBe(201);
  const put = await fetch(issued.body.signed_url, {
    method: 'PUT',
    headers: { 'content-type': 'image/jpeg' },
    body: bytes,
  });
  expect(put.status).toBe(200);
  return issued.body.path as string;
}

/** The user's diary points as the ledger holds them. */
export async function diaryPoints(userId: string): Promise<number> {
  const [{ points }] = await adminSql()`
    select coalesce(sum(balance), 0)::int as points from public.wallet_accounts
     where user_id = ${userId} and app_id = 'diary' and currency = 'points'`;
  return points;
}

/** The user's local today in Asia/Shanghai (the default diary timezone), and the day `offset` days from it. */
export function shanghaiDay(offset = 0): string {
  const now = new Date(Date.now() + 8 * 3600_000 + offset * 86_400_000);
  return now.toISOString().slice(0, 10);
}
