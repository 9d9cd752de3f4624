// Every way of signing in starts an aal1 session whose token's amr names the method, as GoTrue writes its
// auth.mfa_amr_claims row: password (also the API's device and WeChat sign-ins, which use the password grant), otp
// (every /verify: SMS and mailed codes, recovery, magic links), anonymous.
import { describe, expect, it } from 'vitest';
import { anonClient, claimsOf, freshPhone, lastSmsCode, newDeviceId, registerWechatCode } from '../helpers/auth.ts';
import { call } from '../helpers/http.ts';
import { codeIn, freshEmail, lastMailTo, linkIn, openLink, signUpConfirmed } from '../helpers/mail.ts';

const PASSWORD = 'correct horse';

/** aal and the amr methods of an access token. */
function assurance(accessToken: string) {
  const { aal, amr } = claimsOf(accessToken);
  return { aal, methods: amr.map((entry) => entry.method) };
}

describe('aal and amr of each sign-in', () => {
  it('password', async () => {
    const email = freshEmail('amr');
    await signUpConfirmed(email, PASSWORD);
    const { data } = await anonClient().auth.signInWithPassword({ email, password: PASSWORD });
    expect(assurance(data.session!.access_token)).toEqual({ aal: 'aal1', methods: ['password'] });
  });

  it('otp: an SMS code', async () => {
    const phone = freshPhone();
    const client = anonClient();
    await client.auth.signInWithOtp({ phone });
    const { data } = await client.auth.verifyOtp({ phone, token: await lastSmsCode(phone), type: 'sms' });
    expect(assurance(data.session!.access_token)).toEqual({ aal: 'aal1', methods: ['otp'] });
  });

  it('otp: a recovery code', async () => {
    const email = freshEmail('amr');
    await signUpConfirmed(email, PASSWORD);
    const client = anonClient();
    await client.auth.resetPasswordForEmail(email);
    const { data } = await client.auth.verifyOtp({ email, token: codeIn(await lastMailTo(email)), type: 'recovery' });
    expect(assurance(data.session!.access_token)).toEqual({ aal: 'aal1', methods: ['otp'] });
  });

  it('otp: a magic link', async () => {
    const email = freshEmail('amr');
    await signUpConfirmed(email, PASSWORD);
    await anonClient().auth.signInWithOtp({ email });
    const opened = await openLink(linkIn(await lastMailTo(email)));
    expect(assurance(opened.fragment.get('access_token')!)).toEqual({ aal: 'aal1', methods: ['otp'] });
  });

  it('anonymous', async () => {
    const { data } = await anonClient().auth.signInAnonymously();
    expect(assurance(data.session!.access_token)).toEqual({ aal: 'aal1', methods: ['anonymous'] });
  });

  it("the API's device and WeChat sign-ins: password", async () => {
    const device = await call('POST', '/pickitchen/auth/device', {
      json: { device_id: newDeviceId(), platform: 'ios' },
    });
    expect(assurance(device.body.access_token)).toEqual({ aal: 'aal1', methods: ['password'] });
    const code = `c-${crypto.randomUUID()}`;
    await registerWechatCode('diary', { code, openid: `o-${crypto.randomUUID()}` });
    const wechat = await call('POST', '/diary/auth/wechat', { json: { code } });
    expect(assurance(wechat.body.access_token)).toEqual({ aal: 'aal1', methods: ['password'] });
  });
});
