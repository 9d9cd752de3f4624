// Email sign-up with confirmations on ([auth.email] enable_confirmations): Auth mails a code and a link through SMTP
// to the stack's mail catcher, in the app's language; resend, expiry, one-time use and GoTrue's refusals.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { anonClient, claimsOf } from '../helpers/auth.ts';
import { codeIn, freshEmail, lastMailTo, linkIn, mailsTo, openLink, signUpConfirmed } from '../helpers/mail.ts';

const PASSWORD = 'correct horse';

describe('mail over SMTP', () => {
  it('lands in the mail catcher, whose inbox a developer opens in the browser', async () => {
    // As a browser asks for it (MailDev answers other clients' unknown paths with JSON 404s).
    const res = await fetch(stackEnv().mailUrl, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/MailDev/i);
  });

  it("reaches the mail catcher from the configured sender, written for the user's app and locale", async () => {
    const english = freshEmail('quit-en');
    await anonClient().auth.signUp({
      email: english,
      password: PASSWORD,
      options: { data: { app_id: 'quit', locale: 'en' } },
    });
    const mail = await lastMailTo(english);
    expect(mail.subject).toBe('Quit Journey: confirm your email');
    expect(mail.from).toEqual([{ address: 'no-reply@houtai.local', name: 'Houtai' }]);
    expect(mail.text).toContain(`Welcome to Quit Journey! Confirm ${english}.`);

    const chinese = freshEmail('coach-zh');
    await anonClient().auth.signUp({ email: chinese, password: PASSWORD, options: { data: { app_id: 'coach' } } });
    const zh = await lastMailTo(chinese);
    expect(zh.subject).toBe('日常教练：验证你的邮箱');
    expect(zh.html).toContain(`<strong>${codeIn(zh)}</strong>`);

    const noApp = freshEmail('no-app');
    await anonClient().auth.signUp({ email: noApp, password: PASSWORD, options: { data: { locale: 'en-GB' } } });
    expect((await lastMailTo(noApp)).subject).toBe('Houtai: confirm your email');
  });

  it('refuses to mail an address hosted Auth will not (example.com, .local) with email_address_invalid', async () => {
    for (const email of [`x-${crypto.randomUUID().slice(0, 8)}@example.com`, 'someone@demo.houtai.local']) {
      const { error } = await anonClient().auth.signUp({ email, password: PASSWORD });
      expect(error).toMatchObject({
        status: 400,
        code: 'email_address_invalid',
        message: `Email address "${email}" is invalid`,
      });
      // Refused before anything was kept: the sign-up left no user behind.
      expect(await adminSql()`select 1 from auth.users where email = ${email}`).toHaveLength(0);
    }
  });
});

describe('sign-up confirmation', () => {
  it('signs up without a session; the mailed code confirms the address, signs in, and works once', async () => {
    const email = freshEmail();
    const client = anonClient();
    const { data, error } = await client.auth.signUp({ email, password: PASSWORD });
    expect(error).toBeNull();
    expect(data.session).toBeNull();
    expect(data.user).toMatchObject({ email, identities: [expect.objectContaining({ provider: 'email' })] });
    expect(data.user?.confirmation_sent_at).toBeTruthy();
    expect(data.user?.email_confirmed_at).toBeUndefined();

    const early = await client.auth.signInWithPassword({ email, password: PASSWORD });
    expect(early.error).toMatchObject({ status: 400, code: 'email_not_confirmed' });

    const code = codeIn(await lastMailTo(email));
    const verified = await client.auth.verifyOtp({ email, token: code, type: 'signup' });
    expect(verified.error).toBeNull();
    expect(verified.data.user?.email_confirmed_at).toBeTruthy();
    expect(verified.data.user?.user_metadata).toMatchObject({ email_verified: true });
    expect(claimsOf(verified.data.session!.access_token).amr[0].method).toBe('otp');
    expect((await anonClient().auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull();

    const again = await anonClient().auth.verifyOtp({ email, token: code, type: 'signup' });
    expect(again.error).toMatchObject({ status: 403, code: 'otp_expired', message: 'Token has expired or is invalid' });
  });

  it('confirms by the mailed link: 303 to redirect_to with the session in the fragment, once', async () => {
    const email = freshEmail();
    const client = anonClient();
    await client.auth.signUp({
      email,
      password: PASSWORD,
      options: { emailRedirectTo: 'http://127.0.0.1:3000/welcome' },
    });
    const link = linkIn(await lastMailTo(email));
    expect(link.searchParams.get('type')).toBe('signup');

    const opened = await openLink(link);
    expect(opened.status).toBe(303);
    expect(opened.location.pathname).toBe('/welcome');
    expect(opened.fragment.get('type')).toBe('signup');
    const session = {
      access_token: opened.fragment.get('access_token')!,
      refresh_token: opened.fragment.get('refresh_token')!,
    };
    const { data, error } = await client.auth.setSession(session);
    expect(error).toBeNull();
    expect(data.user?.email_confirmed_at).toBeTruthy();

    const reopened = await openLink(link);
    expect(reopened.status).toBe(303);
    expect(Object.fromEntries(reopened.fragment)).toMatchObject({ error: 'access_denied', error_code: 'otp_expired' });
  });

  it('sends a link to site_url when redirect_to is a site the project does not allow', async () => {
    const email = freshEmail();
    await anonClient().auth.signUp({
      email,
      password: PASSWORD,
      options: { emailRedirectTo: 'https://evil.example/steal' },
    });
    const opened = await openLink(linkIn(await lastMailTo(email)));
    expect(opened.location.origin).toBe('http://127.0.0.1:3000');
  });

  it('refuses a code past otp_expiry with otp_expired', async () => {
    const email = freshEmail();
    const client = anonClient();
    const { data } = await client.auth.signUp({ email, password: PASSWORD });
    const code = codeIn(await lastMailTo(email));
    // An hour and a second later ([auth.email] otp_expiry = 3600).
    await adminSql()`update auth.users set confirmation_sent_at = now() - interval '3601 seconds' where id = ${
      data.user!.id
    }`;
    const { error } = await client.auth.verifyOtp({ email, token: code, type: 'signup' });
    expect(error).toMatchObject({ status: 403, code: 'otp_expired' });
  });

  it('answers a sign-up of an address already confirmed with a look-alike user and mails nothing', async () => {
    const email = freshEmail();
    await anonClient().auth.signUp({ email, password: PASSWORD });
    await anonClient().auth.verifyOtp({ email, token: codeIn(await lastMailTo(email)), type: 'signup' });
    const again = await anonClient().auth.signUp({ email, password: 'another pass' });
    expect(again.error).toBeNull();
    expect(again.data.session).toBeNull();
    expect(again.data.user?.identities).toEqual([]);
    expect(await mailsTo(email)).toHaveLength(1);
  });
});

describe('resend', () => {
  it('mails a new confirmation code after 60 s (max_frequency), sooner is over_email_send_rate_limit', async () => {
    const email = freshEmail();
    const client = anonClient();
    const { data } = await client.auth.signUp({ email, password: PASSWORD });
    const first = codeIn(await lastMailTo(email));

    const soon = await client.auth.resend({ type: 'signup', email });
    expect(soon.error).toMatchObject({ status: 429, code: 'over_email_send_rate_limit' });
    expect(soon.error?.message).toMatch(/^For security purposes, you can only request this after \d+ seconds\.$/);
    expect(await mailsTo(email)).toHaveLength(1);

    await adminSql()`update auth.users set confirmation_sent_at = now() - interval '61 seconds' where id = ${
      data.user!.id
    }`;
    expect((await client.auth.resend({ type: 'signup', email })).error).toBeNull();
    expect(await mailsTo(email)).toHaveLength(2);
    const second = codeIn(await lastMailTo(email));
    // The new code replaces the old one (two random codes match once in a million runs).
    expect(second).not.toBe(first);
    expect((await client.auth.verifyOtp({ email, token: first, type: 'signup' })).error).toMatchObject({
      code: 'otp_expired',
    });
    expect((await client.auth.verifyOtp({ email, token: second, type: 'signup' })).error).toBeNull();
  });

  it('sends nothing for a confirmed or unknown address, and answers as if it had', async () => {
    const unknown = freshEmail('nobody');
    expect((await anonClient().auth.resend({ type: 'signup', email: unknown })).error).toBeNull();
    expect(await mailsTo(unknown)).toHaveLength(0);

    const confirmed = freshEmail('done');
    await signUpConfirmed(confirmed, PASSWORD);
    // Past max_frequency, so only the confirmation itself can keep a mail from being sent.
    await adminSql()`update auth.users set confirmation_sent_at = now() - interval '61 seconds'
                     where email = ${confirmed}`;
    expect((await anonClient().auth.resend({ type: 'signup', email: confirmed })).error).toBeNull();
    expect(await mailsTo(confirmed)).toHaveLength(1);
  });

  it('refuses a type it does not know with validation_failed', async () => {
    const { error } = await anonClient().auth.resend({ type: 'recovery' as never, email: freshEmail() });
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
  });
});
