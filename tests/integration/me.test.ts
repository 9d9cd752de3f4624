import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { createUser } from '../helpers/users.ts';

describe('GET /{app}/me', () => {
  it('returns the profile made at sign-up and creates the app profile on first use', async () => {
    const user = await createUser({ display_name: '小明', timezone: 'Asia/Tokyo', locale: 'ja' });
    const res = await call('GET', '/diary/me', { token: user.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: user.id,
      display_name: '小明',
      timezone: 'Asia/Tokyo',
      locale: 'ja',
      avatar_path: null,
      app: { app_id: 'diary', preferences: {} },
    });
    const rows = await adminSql()`select app_id from public.app_profiles where user_id = ${user.id}`;
    expect(rows.map((r) => r.app_id)).toEqual(['diary']);
  });

  it('keeps one app profile per app, however often it is read', async () => {
    const user = await createUser();
    await Promise.all([1, 2, 3, 4].map(() => call('GET', '/quit/me', { token: user.token })));
    await call('GET', '/coach/me', { token: user.token });
    const [{ n }] = await adminSql()`select count(*)::int as n from public.app_profiles where user_id = ${user.id}`;
    expect(n).toBe(2);
  });
});

describe('PATCH /{app}/me', () => {
  it('changes base fields and merges app preferences', async () => {
    const user = await createUser();
    let res = await call('PATCH', '/coach/me', {
      token: user.token,
      json: {
        display_name: ' Ada ',
        timezone: 'Europe/Paris',
        locale: 'fr-FR',
        preferences: { theme: 'dark', units: 'metric' },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      display_name: 'Ada',
      timezone: 'Europe/Paris',
      locale: 'fr-FR',
      app: { preferences: { theme: 'dark', units: 'metric' } },
    });

    res = await call('PATCH', '/coach/me', { token: user.token, json: { preferences: { theme: null, sound: true } } });
    expect(res.body.app.preferences).toEqual({ units: 'metric', sound: true });
    // Another app's preferences are separate.
    res = await call('GET', '/quit/me', { token: user.token });
    expect(res.body.app.preferences).toEqual({});
    expect(res.body.display_name).toBe('Ada');
  });

  it('clears the display name with null', async () => {
    const user = await createUser({ display_name: 'Temp' });
    const res = await call('PATCH', '/coach/me', { token: user.token, json: { display_name: null } });
    expect(res.status).toBe(200);
    expect(res.body.display_name).toBeNull();
  });

  it('rejects an empty patch, bad paths and bad values', async () => {
    const user = await createUser();
    for (
      const json of [{}, { avatar_path: '../other/a.png' }, { avatar_path: '/abs.png' }, {
        display_name: 'x'.repeat(65),
      }, { locale: 'EN_us' }]
    ) {
      const res = await call('PATCH', '/coach/me', { token: user.token, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(envelope(res).code).toBe('VALIDATION_FAILED');
    }
  });

  it("takes as avatar only the caller's uploaded one, as stored: else 404, 422 UPLOAD_INVALID if unfit", async () => {
    const user = await createUser();
    const other = await createUser();
    const uploaded = async (token: string) => {
      const issued = await call('POST', '/coach/files/upload-url', {
        token,
        json: { purpose: 'avatar', content_type: 'image/png', size: 4 },
      });
      expect(
        (await fetch(issued.body.signed_url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: 'face' }))
          .status,
      ).toBe(200);
      return issued.body.path as string;
    };
    const avatar = (avatar_path: string | null) =>
      call('PATCH', '/quit/me', { token: user.token, json: { avatar_path } });

    expect((await avatar(`${user.id}/never-uploaded.png`)).status).toBe(404);
    expect((await avatar(await uploaded(other.token))).status).toBe(404);
    const odd = await uploaded(user.token);
    await adminSql()`update storage.objects set metadata = metadata || ${
      adminSql().json({ mimetype: 'text/html' })
    } where bucket_id = 'avatars' and name = ${odd}`;
    const refused = await avatar(odd);
    expect(refused.status).toBe(422);
    expect(envelope(refused).code).toBe('UPLOAD_INVALID');

    const face = await uploaded(user.token);
    expect((await avatar(face)).body.avatar_path).toBe(face);
    expect((await avatar(null)).body.avatar_path).toBeNull();
  });

  it('cannot touch another user: the token decides whose profile changes', async () => {
    const a = await createUser({ display_name: 'A' });
    const b = await createUser({ display_name: 'B' });
    const names = async () =>
      Object.fromEntries(
        (await adminSql()`select id, display_name from public.profiles where id in (${a.id}, ${b.id})`).map((
          r,
        ) => [r.id, r.display_name]),
      );
    const preferences = async (id: string) =>
      (await adminSql()`select preferences from public.app_profiles where user_id = ${id} and app_id = 'coach'`)[0]
        ?.preferences;
    expect((await call('GET', '/coach/me', { token: b.token })).status).toBe(200);
    // A's token with a body naming B, however it names B, changes nobody.
    for (const naming of [{ id: b.id }, { user_id: b.id }, { app: { user_id: b.id } }]) {
      const res = await call('PATCH', '/coach/me', {
        token: a.token,
        json: { display_name: 'pwned', preferences: { theme: 'pwned' }, ...naming },
      });
      expect(res.status, JSON.stringify(naming)).toBe(400);
      expect(envelope(res).code).toBe('VALIDATION_FAILED');
    }
    expect(await names()).toEqual({ [a.id]: 'A', [b.id]: 'B' });
    expect(await preferences(b.id)).toEqual({});
    // Each token changes its own profile, and only that one.
    expect(
      (await call('PATCH', '/coach/me', {
        token: a.token,
        json: { display_name: 'A2', preferences: { theme: 'dark' } },
      })).body,
    ).toMatchObject({ id: a.id, display_name: 'A2' });
    expect((await call('PATCH', '/coach/me', { token: b.token, json: { display_name: 'B2' } })).body).toMatchObject({
      id: b.id,
      display_name: 'B2',
    });
    expect(await names()).toEqual({ [a.id]: 'A2', [b.id]: 'B2' });
    expect(await preferences(b.id)).toEqual({});
    expect(await preferences(a.id)).toEqual({ theme: 'dark' });
  });
});
