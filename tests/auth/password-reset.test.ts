// Forgotten passwords and sensitive changes: resetPasswordForEmail → recovery code or link → updateUser({ password }),
// a phone user's reset by SMS code, and reauthenticate() + nonce when [auth.email] secure_password_change is on.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { anonClient, claimsOf, freshPhone, lastSmsCode, sentSms, sessionClient } from '../helpers/auth.ts';
import { codeIn, freshEmail, lastMailTo, linkIn, mailsTo, openLink, signUpConfirmed } from '../helpers/mail.ts';

const PASSWORD = 'correct horse';
const NEW_PASSWORD = 'battery staple';

describe('password recovery by email', () => {
  it('resets a password: recovery code → verifyOtp(recovery) → updateUser → the new password signs in', async () => {
    const email = freshEmail();
    const { user } = await signUpConfirmed(email, PASSWORD, { data: { app_id: 'companion', locale: 'en' } });
    const client = anonClient();
    expect((await client.auth.resetPasswordForEmail(email)).error).toBeNull();
    const mail = await lastMailTo(email);
    expect(mail.subject).toBe('Companion: reset your password');
    expect(linkIn(mail).searchParams.get('type')).toBe('recovery');

    const code = codeIn(mail);
    const verified = await client.auth.verifyOtp({ email, token: code, type: 'recovery' });
    expect(verified.error).toBeNull();
    expect(verified.data.user?.id).toBe(user.id);
    expect((await client.auth.updateUser({ password: NEW_PASSWORD })).error).toBeNull();

    expect((await anonClient().auth.signInWithPassword({ email, password: NEW_PASSWORD })).error).toBeNull();
    const old = await anonClient().auth.signInWithPassword({ email, password: PASSWORD });
    expect(old.error).toMatchObject({ status: 400, code: 'invalid_credentials' });
    // The code was used up.
    expect((await anonClient().auth.verifyOtp({ email, token: code, type: 'recovery' })).error).toMatchObject({
      status: 403,
      code: 'otp_expired',
    });
  });

  it('resets by the mailed link: the redirect carries a session that may set the new password', async () => {
    const email = freshEmail();
    await signUpConfirmed(email, PASSWORD);
    await anonClient().auth.resetPasswordForEmail(email, { redirectTo: 'http://localhost:5173/reset' });
    const opened = await openLink(linkIn(await lastMailTo(email)));
    expect(opened.status).toBe(303);
    expect(opened.location.href).toMatch(/^http:\/\/localhost:5173\/reset#/);
    expect(opened.fragment.get('type')).toBe('recovery');
    const client = await sessionClient({
      access_token: opened.fragment.get('access_token')!,
      refresh_token: opened.fragment.get('refresh_token')!,
    });
    expect((await client.auth.updateUser({ password: NEW_PASSWORD })).error).toBeNull();
    expect((await anonClient().auth.signInWithPassword({ email, password: NEW_PASSWORD })).error).toBeNull();
  });

  it('answers an unknown address exactly as a known one, and mails nothing', async () => {
    const nobody = freshEmail('nobody');
    const { data, error } = await anonClient().auth.resetPasswordForEmail(nobody);
    expect(error).toBeNull();
    expect(data).toEqual({});
    expect(await mailsTo(nobody)).toHaveLength(0);
  });

  it('refuses a recovery code past otp_expiry, and a second request within 60 s', async () => {
    const email = freshEmail();
    const { user } = await signUpConfirmed(email, PASSWORD);
    const client = anonClient();
    await client.auth.resetPasswordForEmail(email);
    const code = codeIn(await lastMailTo(email));
    const soon = await client.auth.resetPasswordForEmail(email);
    expect(soon.error).toMatchObject({ status: 429, code: 'over_email_send_rate_limit' });

    await adminSql()`update auth.users set recovery_sent_at = now() - interval '3601 seconds' where id = ${user.id}`;
    const late = await client.auth.verifyOtp({ email, token: code, type: 'recovery' });
    expect(late.error).toMatchObject({ status: 403, code: 'otp_expired' });
  });

  it('refuses a malformed address with validation_failed', async () => {
    const { error } = await anonClient().auth.resetPasswordForEmail('not-an-address');
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
  });
});

describe('password reset of a phone user by SMS code', () => {
  it('signInWithOtp(phone) → verifyOtp(sms) → updateUser({ password }): the new password signs in', async () => {
    const phone = freshPhone();
    const client = anonClient();
    await client.auth.signUp({ phone, password: PASSWORD });
    await client.auth.verifyOtp({ phone, token: await lastSmsCode(phone), type: 'sms' });

    // Forgotten: a code by SMS signs the user in (after the 60 s between codes to one number)...
    await adminSql()`update auth.users set confirmation_sent_at = now() - interval '61 seconds' where phone = ${
      phone.slice(1)
    }`;
    const resetClient = anonClient();
    expect((await resetClient.auth.signInWithOtp({ phone, options: { shouldCreateUser: false } })).error).toBeNull();
    expect(await sentSms(phone)).toHaveLength(2);
    const verified = await resetClient.auth.verifyOtp({ phone, token: await lastSmsCode(phone), type: 'sms' });
    expect(verified.error).toBeNull();
    // ...and that session sets the new one.
    expect((await resetClient.auth.updateUser({ password: NEW_PASSWORD })).error).toBeNull();
    expect((await anonClient().auth.signInWithPassword({ phone, password: NEW_PASSWORD })).error).toBeNull();
    expect((await anonClient().auth.signInWithPassword({ phone, password: PASSWORD })).error).toMatchObject({
      code: 'invalid_credentials',
    });
  });
});

describe('secure password change (reauthenticate + nonce)', () => {
  /** A signed-in client whose session began more than 24 hours ago. */
  async function dayOldSession(email: string) {
    await signUpConfirmed(email, PASSWORD);
    const { data } = await anonClient().auth.signInWithPassword({ email, password: PASSWORD });
    await adminSql()`update auth.sessions set created_at = now() - interval '25 hours' where id = ${
      claimsOf(data.session!.access_token).session_id
    }`;
    return await sessionClient(data.session!);
  }

  it('a session older than 24 h changes its password only with the nonce reauthenticate() mailed, once', async () => {
    const email = freshEmail();
    const client = await dayOldSession(email);
    const bare = await client.auth.updateUser({ password: NEW_PASSWORD });
    expect(bare.error).toMatchObject({
      status: 400,
      code: 'reauthentication_needed',
      message: 'Password update requires reauthentication',
    });

    expect((await client.auth.reauthenticate()).error).toBeNull();
    const mail = await lastMailTo(email);
    expect(mail.subject).toBe('后台：确认是你本人');
    const nonce = codeIn(mail);
    const wrong = await client.auth.updateUser({
      password: NEW_PASSWORD,
      nonce: nonce === '000000' ? '111111' : '000000',
    });
    expect(wrong.error).toMatchObject({ status: 422, code: 'reauthentication_not_valid' });

    expect((await client.auth.updateUser({ password: NEW_PASSWORD, nonce })).error).toBeNull();
    expect((await anonClient().auth.signInWithPassword({ email, password: NEW_PASSWORD })).error).toBeNull();
    const reused = await client.auth.updateUser({ password: 'third password', nonce });
    expect(reused.error).toMatchObject({ status: 422, code: 'reauthentication_not_valid' });
  });

  it('refuses a nonce past otp_expiry', async () => {
    const email = freshEmail();
    const client = await dayOldSession(email);
    await client.auth.reauthenticate();
    const nonce = codeIn(await lastMailTo(email));
    await adminSql()`update auth.users set reauthentication_sent_at = now() - interval '3601 seconds'
                     where email = ${email}`;
    const { error } = await client.auth.updateUser({ password: NEW_PASSWORD, nonce });
    expect(error).toMatchObject({ status: 422, code: 'reauthentication_not_valid' });
  });

  it('texts the nonce to a phone-only user, whose day-old session then changes its password with it', async () => {
    const phone = freshPhone();
    const client = anonClient();
    await client.auth.signUp({ phone, password: PASSWORD });
    const { data } = await client.auth.verifyOtp({ phone, token: await lastSmsCode(phone), type: 'sms' });
    await adminSql()`update auth.sessions set created_at = now() - interval '25 hours' where id = ${
      claimsOf(data.session!.access_token).session_id
    }`;
    const authed = await sessionClient(data.session!);
    expect((await authed.auth.reauthenticate()).error).toBeNull();
    expect(await sentSms(phone)).toHaveLength(2);
    const nonce = await lastSmsCode(phone);
    expect((await authed.auth.updateUser({ password: NEW_PASSWORD, nonce })).error).toBeNull();
    expect((await anonClient().auth.signInWithPassword({ phone, password: NEW_PASSWORD })).error).toBeNull();
  });

  it('lets a session younger than 24 h change its password without a nonce', async () => {
    const email = freshEmail();
    const { session } = await signUpConfirmed(email, PASSWORD);
    const client = await sessionClient(session);
    expect((await client.auth.updateUser({ password: NEW_PASSWORD })).error).toBeNull();
  });
});
