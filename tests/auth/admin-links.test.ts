// auth.admin.generateLink for every link type (the link and code a server mails itself; Auth mails nothing) and
// auth.admin.inviteUserByEmail (Auth mails the invite), through supabase-js with the service-role key.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { anonClient, claimsOf, serviceClient } from '../helpers/auth.ts';
import { codeIn, freshEmail, lastMailTo, linkIn, mailsTo, openLink, signUpConfirmed } from '../helpers/mail.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createAuthEmulator } from '../../scripts/emulators/auth/app.ts';
import { authSettings } from '../../scripts/emulators/auth/config.ts';
import { readProjectConfig } from '../../scripts/stack/project.ts';

const PASSWORD = 'correct horse';
const admin = () => serviceClient().auth.admin;
const sha224 = (s: string) => createHash('sha224').update(s).digest('hex');

describe('auth.admin.generateLink', () => {
  it('signup: a new unconfirmed user with the data as sent, a code and a link that confirm it, no mail', async () => {
    const email = freshEmail('gen');
    const { data, error } = await admin().generateLink({
      type: 'signup',
      email,
      password: PASSWORD,
      options: { data: { app_id: 'coach', locale: 'en' }, redirectTo: 'http://127.0.0.1:3000/welcome' },
    });
    expect(error).toBeNull();
    const { properties, user } = data;
    expect(user).toMatchObject({ email, user_metadata: { app_id: 'coach', locale: 'en' } });
    expect(user?.user_metadata).toEqual({ app_id: 'coach', locale: 'en' });
    expect(user?.email_confirmed_at).toBeUndefined();
    expect(properties).toMatchObject({ verification_type: 'signup', redirect_to: 'http://127.0.0.1:3000/welcome' });
    expect(properties!.email_otp).toMatch(/^\d{6}$/);
    expect(properties!.hashed_token).toBe(sha224(email + properties!.email_otp));
    const link = new URL(properties!.action_link);
    expect(`${link.origin}${link.pathname}`).toBe(`${stackEnv().apiUrl}/auth/v1/verify`);
    expect(Object.fromEntries(link.searchParams)).toEqual({
      token: properties!.hashed_token,
      type: 'signup',
      redirect_to: 'http://127.0.0.1:3000/welcome',
    });
    expect(await mailsTo(email)).toHaveLength(0);
    const apps = await adminSql()`select app_id from public.app_profiles where user_id = ${user!.id}`;
    expect(apps.map((a) => a.app_id)).toEqual(['coach']);

    const opened = await openLink(link);
    expect(opened.location.pathname).toBe('/welcome');
    expect(claimsOf(opened.fragment.get('access_token')!).sub).toBe(user!.id);
    expect((await anonClient().auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull();
  });

  it('signup: refuses a new address without a password (400) or a weak one (422), a confirmed one (422)', async () => {
    const noPassword = await admin().generateLink({ type: 'signup', email: freshEmail('gen'), password: '' });
    expect(noPassword.error).toMatchObject({ status: 400, code: 'validation_failed' });
    const weak = await admin().generateLink({ type: 'signup', email: freshEmail('gen'), password: 'short' });
    expect(weak.error).toMatchObject({ status: 422, code: 'weak_password' });
    const taken = freshEmail('gen');
    await signUpConfirmed(taken, PASSWORD);
    const again = await admin().generateLink({ type: 'signup', email: taken, password: PASSWORD });
    expect(again.error).toMatchObject({ status: 422, code: 'email_exists' });
  });

  it("magiclink: a user's code signs in; an unknown address becomes a signup", async () => {
    const email = freshEmail('gen');
    const { user } = await signUpConfirmed(email, PASSWORD);
    const { data } = await admin().generateLink({ type: 'magiclink', email });
    expect(data.properties?.verification_type).toBe('magiclink');
    expect(new URL(data.properties!.action_link).searchParams.get('type')).toBe('magiclink');
    const signedIn = await anonClient().auth.verifyOtp({ email, token: data.properties!.email_otp, type: 'email' });
    expect(signedIn.data.user?.id).toBe(user.id);

    const unknown = freshEmail('gen');
    const made = await admin().generateLink({ type: 'magiclink', email: unknown });
    expect(made.error).toBeNull();
    expect(made.data.properties?.verification_type).toBe('signup');
    expect(made.data.user?.email_confirmed_at).toBeUndefined();
    const confirmed = await anonClient().auth.verifyOtp({
      token_hash: made.data.properties!.hashed_token,
      type: 'signup',
    });
    expect(confirmed.data.user).toMatchObject({ email: unknown });
    expect(confirmed.data.user?.email_confirmed_at).toBeTruthy();
  });

  it('recovery: the link signs the user in; an unknown address is 404 user_not_found', async () => {
    const email = freshEmail('gen');
    const { user } = await signUpConfirmed(email, PASSWORD);
    const { data } = await admin().generateLink({ type: 'recovery', email });
    expect(data.properties?.verification_type).toBe('recovery');
    const opened = await openLink(new URL(data.properties!.action_link));
    expect(opened.fragment.get('type')).toBe('recovery');
    expect(claimsOf(opened.fragment.get('access_token')!).sub).toBe(user.id);
    const unknown = await admin().generateLink({ type: 'recovery', email: freshEmail('gen') });
    expect(unknown.error).toMatchObject({ status: 404, code: 'user_not_found' });
  });

  it('invite: an invited user whose code (type invite) confirms it; a confirmed address is email_exists', async () => {
    const email = freshEmail('gen');
    const { data, error } = await admin().generateLink({
      type: 'invite',
      email,
      options: { data: { app_id: 'quit' } },
    });
    expect(error).toBeNull();
    expect(data.user?.invited_at).toBeTruthy();
    expect(data.properties?.verification_type).toBe('invite');
    const verified = await anonClient().auth.verifyOtp({ email, token: data.properties!.email_otp, type: 'invite' });
    expect(verified.error).toBeNull();
    expect(verified.data.user?.email_confirmed_at).toBeTruthy();
    const again = await admin().generateLink({ type: 'invite', email });
    expect(again.error).toMatchObject({ status: 422, code: 'email_exists' });
  });

  it('email_change_current and email_change_new: both links (type email_change) complete the change', async () => {
    const email = freshEmail('old');
    const newEmail = freshEmail('new');
    const { user } = await signUpConfirmed(email, PASSWORD);
    const current = await admin().generateLink({ type: 'email_change_current', email, newEmail });
    const next = await admin().generateLink({ type: 'email_change_new', email, newEmail });
    for (const { data, error } of [current, next]) {
      expect(error).toBeNull();
      expect(data.user).toMatchObject({ email, new_email: newEmail });
      expect(data.properties!.hashed_token).toBe(sha224(email + data.properties!.email_otp));
      expect(new URL(data.properties!.action_link).searchParams.get('type')).toBe('email_change');
    }
    // The new address's link carries its own hash, not the hashed_token answered.
    expect(new URL(next.data.properties!.action_link).searchParams.get('token')).toBe(
      sha224(newEmail + next.data.properties!.email_otp),
    );
    const half = await openLink(new URL(current.data.properties!.action_link));
    expect(half.fragment.get('message')).toMatch(/^Confirmation link accepted/);
    const done = await openLink(new URL(next.data.properties!.action_link));
    expect(claimsOf(done.fragment.get('access_token')!).email).toBe(newEmail);
    expect((await admin().getUserById(user.id)).data.user?.email).toBe(newEmail);
  });

  it('email change: refuses a taken new address (422) and an unknown user (404)', async () => {
    const email = freshEmail('old');
    const taken = freshEmail('taken');
    await signUpConfirmed(email, PASSWORD);
    await signUpConfirmed(taken, PASSWORD);
    const clash = await admin().generateLink({ type: 'email_change_new', email, newEmail: taken });
    expect(clash.error).toMatchObject({ status: 422, code: 'email_exists' });
    const nobody = await admin().generateLink({ type: 'email_change_current', email: freshEmail(), newEmail: taken });
    expect(nobody.error).toMatchObject({ status: 404, code: 'user_not_found' });
  });

  it('email_change_current: 400 validation_failed when double_confirm_changes is off', async () => {
    // The stack confirms changes on both addresses, so this asks an Auth emulator of its own, in-process.
    const auth = readProjectConfig().auth;
    const app = createAuthEmulator({
      sql: adminSql(),
      settings: authSettings({ ...auth, email: { ...auth.email, double_confirm_changes: false } }, {}),
      jwtSecret: stackEnv().jwtSecret,
      signingKey: stackEnv().signingKey,
      issuer: `${stackEnv().apiUrl}/auth/v1`,
    });
    const email = freshEmail('old');
    await signUpConfirmed(email, PASSWORD);
    const res = await app.request('/auth/v1/admin/generate_link', {
      method: 'POST',
      headers: { authorization: `Bearer ${stackEnv().serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'email_change_current', email, new_email: freshEmail('new') }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_code: 'validation_failed' });
  });

  it('refuses an unknown type, a missing or malformed address, and a caller without the service-role key', async () => {
    const email = freshEmail('gen');
    const refused = { status: 400, code: 'validation_failed' };
    expect((await admin().generateLink({ type: 'login' as never, email })).error).toMatchObject(refused);
    expect((await admin().generateLink({ type: 'magiclink', email: '' })).error).toMatchObject(refused);
    expect((await admin().generateLink({ type: 'magiclink', email: 'not-an-address' })).error).toMatchObject(refused);
    const anon = await anonClient().auth.admin.generateLink({ type: 'magiclink', email });
    expect(anon.error).toMatchObject({ status: 403, code: 'not_admin' });
  });
});

describe('auth.admin.inviteUserByEmail', () => {
  it('mails the invite in the invitee’s app and language; its link confirms the user and signs in', async () => {
    const email = freshEmail('invitee');
    const { data, error } = await admin().inviteUserByEmail(email, {
      data: { app_id: 'companion', locale: 'en' },
      redirectTo: 'http://127.0.0.1:3000/join',
    });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ email, user_metadata: { app_id: 'companion', locale: 'en' } });
    expect(data.user?.invited_at).toBeTruthy();
    const mail = await lastMailTo(email);
    expect(mail.subject).toBe('Companion: your invitation');
    expect(codeIn(mail)).toMatch(/^\d{6}$/);
    const link = linkIn(mail);
    expect(link.searchParams.get('type')).toBe('invite');

    const opened = await openLink(link);
    expect(opened.location.pathname).toBe('/join');
    expect(opened.fragment.get('type')).toBe('invite');
    const session = claimsOf(opened.fragment.get('access_token')!);
    expect(session.sub).toBe(data.user!.id);
    const [row] = await adminSql()`
      select email_confirmed_at, encrypted_password from auth.users where id = ${session.sub}`;
    expect(row.email_confirmed_at).toBeTruthy();
    expect(row.encrypted_password).not.toBe('');
  });

  it('refuses an address already confirmed with email_exists, and mails nothing', async () => {
    const email = freshEmail('member');
    await signUpConfirmed(email, PASSWORD);
    const { error } = await admin().inviteUserByEmail(email);
    expect(error).toMatchObject({ status: 422, code: 'email_exists' });
    expect(await mailsTo(email)).toHaveLength(1);
  });
});
