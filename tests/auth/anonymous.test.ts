// Anonymous sign-in, later upgraded to a real account by email or by phone.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { anonClient, claimsOf, freshPhone, lastSmsCode, sessionClient } from '../helpers/auth.ts';
import { codeIn, freshEmail, lastMailTo } from '../helpers/mail.ts';

describe('anonymous users', () => {
  it('signs in anonymously, with a profile', async () => {
    const { data, error } = await anonClient().auth.signInAnonymously({ options: { data: { app_id: 'pickitchen' } } });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ is_anonymous: true, email: '', phone: '', app_metadata: {}, identities: [] });
    const claims = claimsOf(data.session!.access_token);
    expect(claims).toMatchObject({ is_anonymous: true, role: 'authenticated' });
    expect(claims.amr[0].method).toBe('anonymous');
    const rows = await adminSql()`select 1 from public.profiles where id = ${data.user!.id}`;
    expect(rows).toHaveLength(1);
  });

  it('is upgraded by adding an email once the code mailed to it is verified, and keeps its id', async () => {
    const client = anonClient();
    const { data } = await client.auth.signInAnonymously();
    const authed = await sessionClient(data.session!);
    const address = freshEmail('anon');
    expect((await authed.auth.updateUser({ email: address })).error).toBeNull();
    const upgraded = await anonClient().auth.verifyOtp({
      email: address,
      token: codeIn(await lastMailTo(address)),
      type: 'email_change',
    });
    expect(upgraded.error).toBeNull();
    expect(upgraded.data.user).toMatchObject({ id: data.user!.id, email: address, is_anonymous: false });
    // The access token is not reissued: the claim changes on the next refresh.
    const refreshed = await client.auth.refreshSession({ refresh_token: data.session!.refresh_token });
    expect(claimsOf(refreshed.data.session!.access_token).is_anonymous).toBe(false);
  });

  it('is upgraded by a phone number once the code sent to it is verified', async () => {
    const client = anonClient();
    const { data } = await client.auth.signInAnonymously();
    const authed = await sessionClient(data.session!);
    const phone = freshPhone();
    const pending = await authed.auth.updateUser({ phone });
    expect(pending.error).toBeNull();
    expect(pending.data.user).toMatchObject({ is_anonymous: true, new_phone: phone.slice(1) });
    const verified = await client.auth.verifyOtp({ phone, token: await lastSmsCode(phone), type: 'phone_change' });
    expect(verified.error).toBeNull();
    expect(verified.data.user).toMatchObject({ id: data.user!.id, phone: phone.slice(1), is_anonymous: false });
  });

  it('cannot set a password without an email or phone', async () => {
    const { data } = await anonClient().auth.signInAnonymously();
    const authed = await sessionClient(data.session!);
    const { error } = await authed.auth.updateUser({ password: 'correct horse' });
    expect(error).toMatchObject({ status: 422, code: 'validation_failed' });
  });
});
