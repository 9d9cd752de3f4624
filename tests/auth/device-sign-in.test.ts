// POST /api/v1/{app}/auth/device: PicKitchen's silent sign-in, a real Supabase Auth session per device.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { anonClient, claimsOf, freshPhone, lastSmsCode, sessionClient } from '../helpers/auth.ts';

const deviceId = () => `dev-${crypto.randomUUID()}`;
const signIn = (id: string, extra: Record<string, unknown> = {}) =>
  call('POST', '/pickitchen/auth/device', { json: { device_id: id, platform: 'android', app_version: '1.0.3', ...extra } });

describe('device sign-in', () => {
  it('creates the account on first use and returns the same account for the same device', async () => {
    const id = deviceId();
    const first = await signIn(id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: 'bearer', expires_in: 3600, user: { is_new_user: true, is_anonymous: false } });
    expect(first.body.refresh_token).toBeTruthy();
    expect(JSON.stringify(first.body)).not.toContain('.invalid');

    const again = await signIn(id);
    expect(again.body.user).toMatchObject({ id: first.body.user.id, is_new_user: false });
    const other = await signIn(deviceId());
    expect(other.body.user.id).not.toBe(first.body.user.id);

    const devices = await adminSql()`select app_id, installation_id, platform, app_version from public.devices where user_id = ${first.body.user.id}`;
    expect(devices).toEqual([{ app_id: 'pickitchen', installation_id: id, platform: 'android', app_version: '1.0.3' }]);
    const apps = await adminSql()`select app_id from public.app_profiles where user_id = ${first.body.user.id}`;
    expect(apps.map((a) => a.app_id)).toEqual(['pickitchen']);
  });

  it('returns a session supabase-js can use and refresh', async () => {
    const { body } = await signIn(deviceId());
    const client = anonClient();
    const set = await client.auth.setSession({ access_token: body.access_token, refresh_token: body.refresh_token });
    expect(set.error).toBeNull();
    expect(set.data.user?.id).toBe(body.user.id);
    const refreshed = await client.auth.refreshSession();
    expect(refreshed.error).toBeNull();
    expect(claimsOf(refreshed.data.session!.access_token).sub).toBe(body.user.id);
  });

  it('makes two simultaneous first sign-ins of one device a single account', async () => {
    const id = deviceId();
    const [a, b] = await Promise.all([signIn(id), signIn(id)]);
    expect(a.body.user.id).toBe(b.body.user.id);
    const [{ n }] = await adminSql()`select count(*)::int as n from internal.external_accounts where provider = 'device' and user_id = ${a.body.user.id}`;
    expect(n).toBe(1);
  });

  it('refuses the device id alone once the account has a verified phone (409 ACCOUNT_UPGRADED)', async () => {
    const id = deviceId();
    const { body } = await signIn(id);
    const phone = freshPhone();
    const authed = await sessionClient(body);
    expect((await authed.auth.updateUser({ phone })).error).toBeNull();
    const verified = await anonClient().auth.verifyOtp({ phone, token: await lastSmsCode(phone), type: 'phone_change' });
    expect(verified.error).toBeNull();

    const res = await signIn(id);
    expect(res.status).toBe(409);
    expect(envelope(res).code).toBe('ACCOUNT_UPGRADED');
    const [audit] = await adminSql()`select action, app_id from internal.audit_log where actor_id = ${body.user.id} order by id desc limit 1`;
    expect(audit).toEqual({ action: 'sign_in_failed', app_id: 'pickitchen' });
  });

  it('validates the request', async () => {
    for (const json of [{ device_id: 'short', platform: 'ios' }, { device_id: deviceId(), platform: 'nokia' }, { device_id: deviceId() }]) {
      const res = await call('POST', '/pickitchen/auth/device', { json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(envelope(res).code).toBe('VALIDATION_FAILED');
    }
  });
});
