// Email + password through supabase.auth, against the local Auth emulator.
import { AuthApiError, AuthWeakPasswordError } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { anonClient } from '../helpers/auth.ts';
import { freshEmail, signUpConfirmed } from '../helpers/mail.ts';

const email = () => freshEmail('u');

describe('email sign-up and sign-in', () => {
  it('signs up a bcrypt-hashed account with its profiles, signed in once its address is confirmed', async () => {
    const address = email();
    const data = await signUpConfirmed(address, 'correct horse', { data: { display_name: 'Ada', app_id: 'coach' } });
    expect(data.session?.access_token).toBeTruthy();
    expect(data.user).toMatchObject({
      email: address,
      role: 'authenticated',
      aud: 'authenticated',
      is_anonymous: false,
    });
    expect(data.user?.app_metadata).toEqual({ provider: 'email', providers: ['email'] });
    expect(data.user?.user_metadata).toMatchObject({
      display_name: 'Ada',
      email: address,
      email_verified: true,
      phone_verified: false,
      sub: data.user!.id,
    });
    expect(data.user?.identities?.[0]).toMatchObject({ provider: 'email', id: data.user!.id, user_id: data.user!.id });

    const [row] = await adminSql()`select encrypted_password from auth.users where id = ${data.user!.id}`;
    expect(row.encrypted_password).toMatch(/^\$2[aby]\$10\$.{53}$/);
    const [profile] = await adminSql()`select display_name from public.profiles where id = ${data.user!.id}`;
    expect(profile.display_name).toBe('Ada');
    const apps = await adminSql()`select app_id from public.app_profiles where user_id = ${data.user!.id}`;
    expect(apps.map((a) => a.app_id)).toEqual(['coach']);
  });

  it('refuses a password shorter than the configured minimum with weak_password', async () => {
    const { error } = await anonClient().auth.signUp({ email: email(), password: 'short' });
    expect(error).toBeInstanceOf(AuthWeakPasswordError);
    expect(error).toMatchObject({ status: 422, code: 'weak_password', reasons: ['length'] });
  });

  it('refuses malformed input with validation_failed', async () => {
    const client = anonClient();
    expect((await client.auth.signUp({ email: 'not-an-email', password: 'correct horse' })).error).toMatchObject({
      status: 400,
      code: 'validation_failed',
    });
    expect((await client.auth.signUp({ phone: '0123', password: 'correct horse' })).error).toMatchObject({
      status: 400,
      code: 'validation_failed',
    });
  });

  it('signs in with the password; a wrong one is invalid_credentials', async () => {
    const address = email();
    await signUpConfirmed(address, 'correct horse');
    const ok = await anonClient().auth.signInWithPassword({ email: address, password: 'correct horse' });
    expect(ok.error).toBeNull();
    expect(ok.data.user?.email).toBe(address);
    expect(ok.data.session?.token_type).toBe('bearer');

    const bad = await anonClient().auth.signInWithPassword({ email: address, password: 'wrong horse' });
    expect(bad.error).toBeInstanceOf(AuthApiError);
    expect(bad.error).toMatchObject({ status: 400, code: 'invalid_credentials', message: 'Invalid login credentials' });
    const nobody = await anonClient().auth.signInWithPassword({ email: email(), password: 'whatever1' });
    expect(nobody.error).toMatchObject({ status: 400, code: 'invalid_credentials' });
  });

  it("answers GoTrue's health and settings", async () => {
    const { apiUrl } = (await import('../helpers/stack.ts')).stackEnv();
    const health = await (await fetch(`${apiUrl}/auth/v1/health`)).json();
    expect(health).toMatchObject({ name: 'GoTrue' });
    const settings = await (await fetch(`${apiUrl}/auth/v1/settings`)).json();
    expect(settings).toMatchObject({
      mailer_autoconfirm: false,
      phone_autoconfirm: false,
      external: { anonymous_users: true, phone: true },
    });
  });
});
