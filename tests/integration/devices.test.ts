import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { createUser } from '../helpers/users.ts';

const ios = {
  installation_id: 'inst-1',
  platform: 'ios',
  push_vendor: 'apns',
  push_token: 'apns-token-1',
  locale: 'zh-CN',
  timezone: 'Asia/Shanghai',
  app_version: '2.3.0',
};

describe('devices', () => {
  it('registers (201), refreshes (200) and lists an installation', async () => {
    const user = await createUser();
    const first = await call('POST', '/quit/devices', { token: user.token, json: ios });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      app_id: 'quit',
      platform: 'ios',
      push_token: 'apns-token-1',
      app_version: '2.3.0',
    });

    const again = await call('POST', '/quit/devices', { token: user.token, json: { ...ios, app_version: '2.4.0' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.app_version).toBe('2.4.0');

    const list = await call('GET', '/quit/devices', { token: user.token });
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual([first.body.id]);
    expect((await call('GET', '/coach/devices', { token: user.token })).body.items).toEqual([]);
  });

  it('moves a push token to the account that registered it last', async () => {
    const a = await createUser();
    const b = await createUser();
    const token = `shared-${a.id}`;
    await call('POST', '/coach/devices', { token: a.token, json: { ...ios, push_token: token } });
    await call('POST', '/coach/devices', {
      token: b.token,
      json: { ...ios, installation_id: 'inst-b', push_token: token },
    });
    const rows = await adminSql()`select user_id, push_token from public.devices where user_id in (${a.id}, ${b.id})`;
    expect(rows.find((r) => r.user_id === a.id)?.push_token).toBeNull();
    expect(rows.find((r) => r.user_id === b.id)?.push_token).toBe(token);
  });

  it('validates the registration', async () => {
    const user = await createUser();
    const bad = [
      { ...ios, platform: 'symbian' },
      { ...ios, push_token: undefined },
      { installation_id: '', platform: 'ios' },
      { ...ios, timezone: 'Nowhere/Land' },
    ];
    for (const json of bad) {
      const res = await call('POST', '/coach/devices', { token: user.token, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(envelope(res).code).toBe('VALIDATION_FAILED');
    }
  });

  it("deletes own devices (204) and cannot see or delete anyone else's (404)", async () => {
    const a = await createUser();
    const b = await createUser();
    const dev =
      (await call('POST', '/coach/devices', { token: a.token, json: { installation_id: 'x', platform: 'android' } }))
        .body;

    const stolen = await call('DELETE', `/coach/devices/${dev.id}`, { token: b.token });
    expect(stolen.status).toBe(404);
    expect(envelope(stolen).code).toBe('NOT_FOUND');
    expect((await call('GET', '/coach/devices', { token: b.token })).body.items).toEqual([]);

    expect((await call('DELETE', `/quit/devices/${dev.id}`, { token: a.token })).status).toBe(404);
    expect((await call('DELETE', `/coach/devices/${dev.id}`, { token: a.token })).status).toBe(204);
    expect((await call('DELETE', `/coach/devices/${dev.id}`, { token: a.token })).status).toBe(404);
    expect((await call('DELETE', '/coach/devices/not-a-uuid', { token: a.token })).status).toBe(400);
  });
});
