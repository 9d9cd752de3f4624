// Whatever way a user signed in, their access token gets them their own profile and no one else's.
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/http.ts';
import {
  anonClient,
  asToken,
  claimsOf,
  freshPhone,
  lastSmsCode,
  newDeviceId,
  registerWechatCode,
} from '../helpers/auth.ts';
import { createUser } from '../helpers/users.ts';
import { freshEmail, signUpConfirmed } from '../helpers/mail.ts';

async function tokens(): Promise<Record<string, string>> {
  const email = freshEmail('rls');
  await signUpConfirmed(email, 'correct horse');
  const password = (await anonClient().auth.signInWithPassword({ email, password: 'correct horse' })).data.session!
    .access_token;
  const phone = freshPhone();
  const otpClient = anonClient();
  await otpClient.auth.signInWithOtp({ phone });
  const otp = (await otpClient.auth.verifyOtp({ phone, token: await lastSmsCode(phone), type: 'sms' })).data.session!
    .access_token;
  const anonymous = (await anonClient().auth.signInAnonymously()).data.session!.access_token;
  const device =
    (await call('POST', '/pickitchen/auth/device', { json: { device_id: newDeviceId(), platform: 'ios' } })).body
      .access_token;
  const code = `rls-${crypto.randomUUID().slice(0, 8)}`;
  await registerWechatCode('diary', { code, openid: `o-${code}`, unionid: `u-${code}` });
  const wechat = (await call('POST', '/diary/auth/wechat', { json: { code } })).body.access_token;
  return { password, otp, anonymous, device, wechat };
}

describe('RLS with the token of each sign-in path', async () => {
  const all = await tokens();
  const bystander = await createUser();

  it.each(Object.keys(all))('%s: sees exactly its own profile', async (path) => {
    const token = all[path];
    const sub = claimsOf(token).sub;
    const rows = await asToken<{ id: string }>(token, 'select id from public.profiles');
    expect(rows.map((r) => r.id)).toEqual([sub]);
    const other = await asToken(token, `select id from public.profiles where id = '${bystander.id}'`);
    expect(other).toEqual([]);
    const changed = await asToken(
      token,
      `update public.profiles set display_name = 'pwned' where id = '${bystander.id}' returning id`,
    );
    expect(changed).toEqual([]);
    const me = await call('GET', '/coach/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(sub);
  });
});
