// Phone sign-up and one-time codes: Auth → send-SMS hook → Aliyun (the fake) and back with verifyOtp.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { anonClient, claimsOf, failNextSms, freshPhone, lastSmsCode, sentSms } from '../helpers/auth.ts';

describe('phone sign-up with password', () => {
  it('sends a code and needs it before the password works', async () => {
    const phone = freshPhone();
    const client = anonClient();
    const { data, error } = await client.auth.signUp({
      phone,
      password: 'correct horse',
      options: { data: { app_id: 'quit' } },
    });
    expect(error).toBeNull();
    expect(data.session).toBeNull();
    expect(data.user?.phone).toBe(phone.slice(1));
    expect(data.user?.confirmation_sent_at).toBeTruthy();

    const early = await client.auth.signInWithPassword({ phone, password: 'correct horse' });
    expect(early.error).toMatchObject({ status: 400, code: 'phone_not_confirmed' });

    const [sms] = await sentSms(phone);
    expect(sms).toMatchObject({ phoneNumbers: phone.slice(3), signName: 'Houtai', templateCode: 'SMS_000001' });
    expect(sms.templateParam.code).toMatch(/^\d{6}$/);

    const verified = await client.auth.verifyOtp({ phone, token: sms.templateParam.code, type: 'sms' });
    expect(verified.error).toBeNull();
    expect(verified.data.user?.phone_confirmed_at).toBeTruthy();
    expect(claimsOf(verified.data.session!.access_token).amr[0].method).toBe('otp');

    const later = await client.auth.signInWithPassword({ phone, password: 'correct horse' });
    expect(later.error).toBeNull();
    const [profile] = await adminSql()`
      select p.id from public.profiles p join public.app_profiles a on a.user_id = p.id and a.app_id = 'quit'
       where p.id = ${data.user!.id}`;
    expect(profile).toBeDefined();
  });

  it('answers a repeated sign-up of a confirmed number with a look-alike user and sends nothing', async () => {
    const phone = freshPhone();
    const client = anonClient();
    await client.auth.signUp({ phone, password: 'correct horse' });
    await client.auth.verifyOtp({ phone, token: await lastSmsCode(phone), type: 'sms' });
    const again = await anonClient().auth.signUp({ phone, password: 'other horse' });
    expect(again.error).toBeNull();
    expect(again.data.user?.identities).toEqual([]);
    expect(await sentSms(phone)).toHaveLength(1);
  });
});

describe('signInWithOtp + verifyOtp', () => {
  it('creates the user on first code and signs them in', async () => {
    const phone = freshPhone();
    const client = anonClient();
    const sent = await client.auth.signInWithOtp({ phone });
    expect(sent.error).toBeNull();
    const { data, error } = await client.auth.verifyOtp({ phone, token: await lastSmsCode(phone), type: 'sms' });
    expect(error).toBeNull();
    expect(data.session?.refresh_token).toMatch(/^[a-z2-7]{12}$/);
    expect(data.user?.app_metadata.providers).toEqual(['phone']);
  });

  it('refuses a wrong code, an expired code and a used code with otp_expired', async () => {
    const phone = freshPhone();
    const client = anonClient();
    await client.auth.signInWithOtp({ phone });
    const code = await lastSmsCode(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await client.auth.verifyOtp({ phone, token: wrong, type: 'sms' })).error).toMatchObject({
      status: 403,
      code: 'otp_expired',
    });
    expect((await client.auth.verifyOtp({ phone, token: code, type: 'sms' })).error).toBeNull();
    expect((await client.auth.verifyOtp({ phone, token: code, type: 'sms' })).error).toMatchObject({
      status: 403,
      code: 'otp_expired',
    });

    const other = freshPhone();
    await client.auth.signInWithOtp({ phone: other });
    const otherCode = await lastSmsCode(other);
    // Sent long enough ago to have expired (SMS codes live 60 s).
    await adminSql()`update auth.users set confirmation_sent_at = now() - interval '61 seconds' where phone = ${
      other.slice(1)
    }`;
    expect((await client.auth.verifyOtp({ phone: other, token: otherCode, type: 'sms' })).error).toMatchObject({
      status: 403,
      code: 'otp_expired',
    });
  });

  it('burns a code after five wrong attempts', async () => {
    const phone = freshPhone();
    const client = anonClient();
    await client.auth.signInWithOtp({ phone });
    const code = await lastSmsCode(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await client.auth.verifyOtp({ phone, token: wrong, type: 'sms' });
    expect((await client.auth.verifyOtp({ phone, token: code, type: 'sms' })).error).toMatchObject({
      status: 403,
      code: 'otp_expired',
    });
  });

  it('allows one code per number per minute (over_sms_send_rate_limit)', async () => {
    const phone = freshPhone();
    const client = anonClient();
    expect((await client.auth.signInWithOtp({ phone })).error).toBeNull();
    const again = await client.auth.signInWithOtp({ phone });
    expect(again.error).toMatchObject({ status: 429, code: 'over_sms_send_rate_limit' });
    expect(again.error?.message).toMatch(/only request this after \d+ seconds/);
  });

  it('does not create a user when create_user is false', async () => {
    const { error } = await anonClient().auth.signInWithOtp({
      phone: freshPhone(),
      options: { shouldCreateUser: false },
    });
    expect(error).toMatchObject({ status: 422, code: 'otp_disabled' });
  });

  it('surfaces an Aliyun refusal as a clear error and keeps nothing', async () => {
    const phone = freshPhone();
    await failNextSms(phone, 'isv.BUSINESS_LIMIT_CONTROL');
    const { error } = await anonClient().auth.signInWithOtp({ phone });
    expect(error).toMatchObject({ status: 429 });
    expect(error?.message).toMatch(/Too many codes were sent to this number/);
    const users = await adminSql()`select 1 from auth.users where phone = ${phone.slice(1)}`;
    expect(users).toHaveLength(0);
    // The next attempt goes through.
    expect((await anonClient().auth.signInWithOtp({ phone })).error).toBeNull();
  });
});
