// POST /api/v1/{app}/auth/device: PicKitchen's silent sign-in, a real Supabase Auth session per device.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminSql, columnsContaining } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { anonClient, claimsOf, freshPhone, lastSmsCode, newDeviceId, sessionClient } from '../helpers/auth.ts';
import { signInApi } from '../helpers/sign-in.ts';

const signIn = (id: string, extra: Record<string, unknown> = {}) =>
  call('POST', '/pickitchen/auth/device', {
    json: { device_id: id, platform: 'android', app_version: '1.0.3', ...extra },
  });

describe('device sign-in', () => {
  it('creates the account on first use and returns the same account for the same device', async () => {
    const id = newDeviceId();
    const installation = crypto.randomUUID();
    const first = await signIn(id, { installation_id: installation });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      user: { is_new_user: true, is_anonymous: false },
    });
    expect(first.body.refresh_token).toBeTruthy();
    expect(JSON.stringify(first.body)).not.toContain('.invalid');

    const again = await signIn(id);
    expect(again.body.user).toMatchObject({ id: first.body.user.id, is_new_user: false });
    const other = await signIn(newDeviceId());
    expect(other.body.user.id).not.toBe(first.body.user.id);

    const devices = await adminSql()`
      select app_id, installation_id, platform, app_version from public.devices where user_id = ${first.body.user.id}`;
    expect(devices).toEqual([{
      app_id: 'pickitchen',
      installation_id: installation,
      platform: 'android',
      app_version: '1.0.3',
    }]);
    const apps = await adminSql()`select app_id from public.app_profiles where user_id = ${first.body.user.id}`;
    expect(apps.map((a) => a.app_id)).toEqual(['pickitchen']);
  });

  it('returns a session supabase-js can use and refresh', async () => {
    const { body } = await signIn(newDeviceId());
    const client = anonClient();
    const set = await client.auth.setSession({ access_token: body.access_token, refresh_token: body.refresh_token });
    expect(set.error).toBeNull();
    expect(set.data.user?.id).toBe(body.user.id);
    const refreshed = await client.auth.refreshSession();
    expect(refreshed.error).toBeNull();
    expect(claimsOf(refreshed.data.session!.access_token).sub).toBe(body.user.id);
  });

  it('makes two simultaneous first sign-ins of one device a single account', async () => {
    const id = newDeviceId();
    const [a, b] = await Promise.all([signIn(id), signIn(id)]);
    expect(a.body.user.id).toBe(b.body.user.id);
    const [{ n }] = await adminSql()`
      select count(*)::int as n from internal.external_accounts where provider = 'device'
      and user_id = ${a.body.user.id}`;
    expect(n).toBe(1);
  });

  // What makes the device id alone no longer enough: each way an account gets a stronger identity.
  const upgrades: Record<
    string,
    (session: { access_token: string; refresh_token: string; user: { id: string } }) => Promise<void>
  > = {
    'a verified phone': async (session) => {
      const phone = freshPhone();
      const authed = await sessionClient(session);
      expect((await authed.auth.updateUser({ phone })).error).toBeNull();
      const verified = await anonClient().auth.verifyOtp({
        phone,
        token: await lastSmsCode(phone),
        type: 'phone_change',
      });
      expect(verified.error).toBeNull();
    },
    // Locally, with no mailer, Auth confirms an email change at once (config.toml), as a confirmed link would.
    'a confirmed email': async (session) => {
      const authed = await sessionClient(session);
      const { data, error } = await authed.auth.updateUser({
        email: `upgraded-${session.user.id.slice(0, 8)}@example.com`,
      });
      expect(error).toBeNull();
      expect(data.user?.email_confirmed_at).toBeTruthy();
    },
    // No route links WeChat to an existing account yet: the identity row is what a link would write.
    'a WeChat identity': async (session) => {
      await adminSql()`insert into internal.external_accounts (provider, app_id, external_id, user_id)
                       values ('wechat', 'diary', ${`openid-${randomBytes(8).toString('hex')}`}, ${session.user.id})`;
    },
  };

  it.each(Object.keys(upgrades))(
    'refuses the device id alone once the account has %s (409 ACCOUNT_UPGRADED)',
    async (upgrade) => {
      const id = newDeviceId();
      const { body } = await signIn(id);
      await upgrades[upgrade](body);

      const res = await signIn(id);
      expect(res.status).toBe(409);
      expect(envelope(res).code).toBe('ACCOUNT_UPGRADED');
      const [audit] = await adminSql()`
        select action, app_id from internal.audit_log where actor_id = ${body.user.id} order by id desc limit 1`;
      expect(audit).toEqual({ action: 'sign_in_failed', app_id: 'pickitchen' });
    },
  );

  it('validates the request', async () => {
    for (
      const json of [{ device_id: newDeviceId(), platform: 'nokia' }, { device_id: newDeviceId() }, { platform: 'ios' }]
    ) {
      const res = await call('POST', '/pickitchen/auth/device', { json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(envelope(res).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('device ids', () => {
  const random = randomBytes(16).toString('hex');
  const refused: Record<string, string> = {
    'eight characters, as allowed before': 'k3J9x2Qa',
    '31 hex characters (124 bits)': random.slice(1),
    '21 base64url characters (126 bits)': randomBytes(16).toString('base64url').slice(1),
    'a UUID (122 random bits)': crypto.randomUUID(),
    'a prefixed UUID': `dev-${crypto.randomUUID()}`,
    'one character repeated': 'a'.repeat(32),
    'a counter': '00000000000000000000000000000001',
    'a sequence': '0123456789abcdef0123456789abcdef',
    'a sequence backwards': 'fedcba9876543210fedcba9876543210',
    'the alphabet': 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ',
    'a repeated block': 'deadbeef'.repeat(4),
    'doubled characters': 'aabbccddeeff00112233445566778899',
    '8 random bytes padded with zeros': randomBytes(8).toString('hex') + '0'.repeat(16),
    'padded base64': randomBytes(16).toString('base64'),
    'characters outside hex and base64url': `${random}!`,
    'a NUL character': `${random}\u0000`,
    'more than 128 characters': randomBytes(100).toString('hex'),
  };

  it.each(Object.entries(refused))(
    'refuses %s with 400 VALIDATION_FAILED naming device_id, without repeating it',
    async (_, id) => {
      const res = await call('POST', '/pickitchen/auth/device', { json: { device_id: id, platform: 'ios' } });
      expect(res.status).toBe(400);
      const error = envelope(res);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details.map((d) => d.field)).toEqual(['device_id']);
      expect(JSON.stringify(res.body)).not.toContain(id);
    },
  );

  const api = signInApi();

  it('accepts 16 random bytes as hex in either case or as base64url', async () => {
    for (
      const id of [
        newDeviceId('hex'),
        newDeviceId('hex').toUpperCase(),
        newDeviceId('base64url'),
        randomBytes(64).toString('base64url'),
      ]
    ) {
      const res = await api.device({ device_id: id });
      expect(res.status, id).toBe(200);
    }
  });

  it('refuses an installation_id that is the device id itself', async () => {
    const id = newDeviceId();
    const res = await api.device({ device_id: id, installation_id: id });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['installation_id']);
  });

  it('keeps the device id nowhere in the database, neither as it is nor as its unkeyed SHA-256', async () => {
    const id = newDeviceId();
    const sha256 = createHash('sha256').update(id).digest('hex');
    const first = await api.device({ device_id: id, app_version: '3.0.0' });
    expect(first.status).toBe(200);
    expect(await columnsContaining([id, sha256])).toEqual([]);
    // Again with the installation registered by the sign-in: under its own id, the device id still nowhere.
    const installation = crypto.randomUUID();
    const again = await api.device({ device_id: id, installation_id: installation });
    expect(again.status).toBe(200);
    expect(await adminSql()`select installation_id from public.devices where user_id = ${again.body.user.id}`).toEqual([
      { installation_id: installation },
    ]);
    expect(await columnsContaining([id, sha256])).toEqual([]);
  });

  it('keys the stored hash with the server secret: the same id under another secret is another identity', async () => {
    const id = newDeviceId();
    const other = signInApi();
    const [a, b] = [await api.device({ device_id: id }), await other.device({ device_id: id })];
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body.user.id).not.toBe(a.body.user.id);
    const hashes = await adminSql()`
      select external_id from internal.external_accounts
       where provider = 'device' and user_id in (${a.body.user.id}, ${b.body.user.id})`;
    expect(hashes).toHaveLength(2);
    expect(hashes[0].external_id).not.toBe(hashes[1].external_id);
  });

  it('never returns the device id: not in the sign-in answer, the devices list, the profile or sessions', async () => {
    const id = newDeviceId();
    const res = await api.device({ device_id: id });
    const token = res.body.access_token;
    expect(
      (await call('POST', '/pickitchen/devices', {
        token,
        json: { installation_id: crypto.randomUUID(), platform: 'ios' },
      })).status,
    ).toBe(201);
    const answers = [
      res,
      await call('GET', '/pickitchen/devices', { token }),
      await call('GET', '/pickitchen/profile', { token }),
      await call('GET', '/account/sessions', { token }),
    ];
    for (const answer of answers) expect(answer.status).toBe(200);
    for (const answer of answers) expect(JSON.stringify(answer.body)).not.toContain(id);
  });
});
