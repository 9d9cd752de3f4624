// signInWithOtp({ email }) (magic link and 6-digit code) and changing a user's email with confirmation on both
// addresses ([auth.email] double_confirm_changes), through supabase-js and the mail catcher.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { anonClient, claimsOf, sessionClient } from '../helpers/auth.ts';
import { codeIn, freshEmail, lastMailTo, linkIn, mailsTo, openLink, signUpConfirmed } from '../helpers/mail.ts';

const PASSWORD = 'correct horse';

describe('signInWithOtp by email', () => {
  it('mails a confirmed user a magic link and a 6-digit code; the code signs in once', async () => {
    const email = freshEmail();
    const { user } = await signUpConfirmed(email, PASSWORD, { data: { app_id: 'diary' } });
    const client = anonClient();
    expect((await client.auth.signInWithOtp({ email })).error).toBeNull();
    const mail = await lastMailTo(email);
    expect(mail.subject).toBe('成长日记：登录链接');
    expect(linkIn(mail).searchParams.get('type')).toBe('magiclink');

    const code = codeIn(mail);
    const { data, error } = await client.auth.verifyOtp({ email, token: code, type: 'email' });
    expect(error).toBeNull();
    expect(data.user?.id).toBe(user.id);
    expect(claimsOf(data.session!.access_token).amr[0].method).toBe('otp');
    expect((await anonClient().auth.verifyOtp({ email, token: code, type: 'email' })).error).toMatchObject({
      status: 403,
      code: 'otp_expired',
    });
  });

  it('signs in by the magic link, which then is used up', async () => {
    const email = freshEmail();
    const { user } = await signUpConfirmed(email, PASSWORD);
    await anonClient().auth.signInWithOtp({ email, options: { emailRedirectTo: 'http://127.0.0.1:3000/home' } });
    const link = linkIn(await lastMailTo(email));
    const opened = await openLink(link);
    expect(opened.location.pathname).toBe('/home');
    expect(claimsOf(opened.fragment.get('access_token')!).sub).toBe(user.id);
    expect((await openLink(link)).fragment.get('error_code')).toBe('otp_expired');
  });

  it('creates an unknown address as a user whose mailed code confirms it and signs in', async () => {
    const email = freshEmail('new');
    const client = anonClient();
    const sent = await client.auth.signInWithOtp({ email, options: { data: { app_id: 'quit', locale: 'en' } } });
    expect(sent.error).toBeNull();
    const mail = await lastMailTo(email);
    expect(mail.subject).toBe('Quit Journey: confirm your email');
    const { data, error } = await client.auth.verifyOtp({ email, token: codeIn(mail), type: 'email' });
    expect(error).toBeNull();
    expect(data.user?.email_confirmed_at).toBeTruthy();
    const apps = await adminSql()`select app_id from public.app_profiles where user_id = ${data.user!.id}`;
    expect(apps.map((a) => a.app_id)).toEqual(['quit']);
  });

  it('refuses an unknown address with otp_disabled when shouldCreateUser is false, and mails nothing', async () => {
    const email = freshEmail('nobody');
    const { error } = await anonClient().auth.signInWithOtp({ email, options: { shouldCreateUser: false } });
    expect(error).toMatchObject({ status: 422, code: 'otp_disabled', message: 'Signups not allowed for otp' });
    expect(await mailsTo(email)).toHaveLength(0);
  });

  it('refuses a second code within max_frequency with over_email_send_rate_limit', async () => {
    const email = freshEmail();
    await signUpConfirmed(email, PASSWORD);
    expect((await anonClient().auth.signInWithOtp({ email })).error).toBeNull();
    const again = await anonClient().auth.signInWithOtp({ email });
    expect(again.error).toMatchObject({ status: 429, code: 'over_email_send_rate_limit' });
  });

  it('refuses a wrong code with otp_expired', async () => {
    const email = freshEmail();
    await signUpConfirmed(email, PASSWORD);
    await anonClient().auth.signInWithOtp({ email });
    const code = codeIn(await lastMailTo(email));
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const { error } = await anonClient().auth.verifyOtp({ email, token: wrong, type: 'email' });
    expect(error).toMatchObject({ status: 403, code: 'otp_expired' });
  });
});

describe('email change', () => {
  it('waits for both addresses: the first code is taken without a session, the second completes', async () => {
    const oldEmail = freshEmail('old');
    const newEmail = freshEmail('new');
    const { session } = await signUpConfirmed(oldEmail, PASSWORD, { data: { locale: 'en' } });
    const client = await sessionClient(session);
    const pending = await client.auth.updateUser({ email: newEmail });
    expect(pending.error).toBeNull();
    expect(pending.data.user).toMatchObject({ email: oldEmail, new_email: newEmail });

    const toOld = await lastMailTo(oldEmail);
    const toNew = await lastMailTo(newEmail);
    expect(toOld.subject).toBe('Houtai: confirm your new email');
    expect(toNew.text).toContain(`to ${newEmail}`);
    expect(codeIn(toOld)).not.toBe(codeIn(toNew));

    const first = await anonClient().auth.verifyOtp({ email: oldEmail, token: codeIn(toOld), type: 'email_change' });
    // GoTrue answers {msg, code} here, which supabase-js reads as no user and no session.
    expect(first).toEqual({ data: { user: null, session: null }, error: null });
    expect((await client.auth.getUser()).data.user?.email).toBe(oldEmail);

    const second = await anonClient().auth.verifyOtp({ email: newEmail, token: codeIn(toNew), type: 'email_change' });
    expect(second.error).toBeNull();
    expect(second.data.user).toMatchObject({ email: newEmail, is_anonymous: false });
    expect((await anonClient().auth.signInWithPassword({ email: newEmail, password: PASSWORD })).error).toBeNull();
    expect((await anonClient().auth.signInWithPassword({ email: oldEmail, password: PASSWORD })).error)
      .toMatchObject({ code: 'invalid_credentials' });
  });

  it("does not change the address on the new one's code alone", async () => {
    const oldEmail = freshEmail('old');
    const newEmail = freshEmail('new');
    const { session } = await signUpConfirmed(oldEmail, PASSWORD);
    const client = await sessionClient(session);
    await client.auth.updateUser({ email: newEmail });
    const half = await anonClient().auth.verifyOtp({
      email: newEmail,
      token: codeIn(await lastMailTo(newEmail)),
      type: 'email_change',
    });
    expect(half.data.session).toBeNull();
    expect((await client.auth.getUser()).data.user).toMatchObject({ email: oldEmail, new_email: newEmail });
  });

  it('resends both codes of a pending change after max_frequency; the old codes stop working', async () => {
    const oldEmail = freshEmail('old');
    const newEmail = freshEmail('new');
    const { session, user } = await signUpConfirmed(oldEmail, PASSWORD);
    const client = await sessionClient(session);
    await client.auth.updateUser({ email: newEmail });
    const firstNew = codeIn(await lastMailTo(newEmail));
    const soon = await anonClient().auth.resend({ type: 'email_change', email: oldEmail });
    expect(soon.error).toMatchObject({ status: 429, code: 'over_email_send_rate_limit' });

    await adminSql()`update auth.users set email_change_sent_at = now() - interval '61 seconds' where id = ${user.id}`;
    expect((await anonClient().auth.resend({ type: 'email_change', email: oldEmail })).error).toBeNull();
    expect(await mailsTo(newEmail)).toHaveLength(2);
    expect(await mailsTo(oldEmail)).toHaveLength(3); // the sign-up's confirmation and one per change request
    const stale = await anonClient().auth.verifyOtp({ email: newEmail, token: firstNew, type: 'email_change' });
    expect(stale.error).toMatchObject({ status: 403, code: 'otp_expired' });
    for (const email of [oldEmail, newEmail]) {
      const { error } = await anonClient().auth.verifyOtp({
        email,
        token: codeIn(await lastMailTo(email)),
        type: 'email_change',
      });
      expect(error).toBeNull();
    }
    expect((await client.auth.getUser()).data.user?.email).toBe(newEmail);
  });

  it('adds an email to an anonymous user only once the new address confirms it', async () => {
    const client = anonClient();
    const { data } = await client.auth.signInAnonymously();
    const authed = await sessionClient(data.session!);
    const email = freshEmail('anon');
    const pending = await authed.auth.updateUser({ email });
    expect(pending.error).toBeNull();
    expect(pending.data.user).toMatchObject({ email: '', new_email: email, is_anonymous: true });
    const verified = await anonClient().auth.verifyOtp({
      email,
      token: codeIn(await lastMailTo(email)),
      type: 'email_change',
    });
    expect(verified.error).toBeNull();
    expect(verified.data.user).toMatchObject({ id: data.user!.id, email, is_anonymous: false });
  });

  it('refuses an address another account has with email_exists, and mails nothing', async () => {
    const taken = freshEmail('taken');
    await signUpConfirmed(taken, PASSWORD);
    const { session } = await signUpConfirmed(freshEmail(), PASSWORD);
    const client = await sessionClient(session);
    const { error } = await client.auth.updateUser({ email: taken });
    expect(error).toMatchObject({ status: 422, code: 'email_exists' });
    expect(await mailsTo(taken)).toHaveLength(1);
  });
});
