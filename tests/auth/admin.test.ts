// The admin API our functions use: auth.admin.createUser / getUserById / listUsers / updateUserById / deleteUser, with
// GoTrue's handling of user_metadata and of page parameters.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { anonClient, freshPhone, serviceClient } from '../helpers/auth.ts';

describe('auth.admin', () => {
  const admin = () => serviceClient().auth.admin;

  it('creates, reads, updates and deletes users', async () => {
    const email = `adm-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const created = await admin().createUser({
      email,
      password: 'correct horse',
      email_confirm: true,
      user_metadata: { nickname: 'A' },
      app_metadata: { plan: 'pro' },
    });
    expect(created.error).toBeNull();
    const id = created.data.user!.id;
    expect(created.data.user).toMatchObject({
      email,
      app_metadata: { provider: 'email', providers: ['email'], plan: 'pro' },
    });
    expect(created.data.user?.email_confirmed_at).toBeTruthy();
    expect((await anonClient().auth.signInWithPassword({ email, password: 'correct horse' })).error).toBeNull();

    const read = await admin().getUserById(id);
    expect(read.data.user?.user_metadata).toMatchObject({ nickname: 'A', email_verified: true });

    const banned = await admin().updateUserById(id, { ban_duration: '24h', user_metadata: { level: 3 } });
    expect(banned.data.user?.banned_until).toBeTruthy();
    expect(banned.data.user?.user_metadata).toMatchObject({ nickname: 'A', level: 3 });
    expect((await anonClient().auth.signInWithPassword({ email, password: 'correct horse' })).error).toMatchObject({
      code: 'user_banned',
    });

    expect((await admin().deleteUser(id)).error).toBeNull();
    expect((await admin().getUserById(id)).error).toMatchObject({ status: 404, code: 'user_not_found' });
    expect(await adminSql()`select 1 from public.profiles where id = ${id}`).toHaveLength(0);
  });

  it('creates phone users and refuses taken addresses and numbers', async () => {
    const phone = freshPhone();
    const made = await admin().createUser({ phone, phone_confirm: true });
    expect(made.data.user?.phone).toBe(phone.slice(1));
    expect((await admin().createUser({ phone })).error).toMatchObject({ status: 422, code: 'phone_exists' });
    const email = `dup-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await admin().createUser({ email });
    expect((await admin().createUser({ email })).error).toMatchObject({ status: 422, code: 'email_exists' });
    expect((await admin().createUser({})).error).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('lists users newest first with paging, and its total counts every user', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      made.push(
        (await admin().createUser({ email: `list-${i}-${crypto.randomUUID().slice(0, 8)}@example.com` })).data.user!.id,
      );
    }
    await adminSql().begin(async (tx) => {
      // Nobody (other test files included) adds a user while the pages are read, so the database's count and
      // order are exactly what the pages must say.
      await tx`lock table auth.users in share row exclusive mode`;
      const [{ users }] = await tx`select count(*)::int as users from auth.users where aud = 'authenticated'`;
      const newest =
        (await tx`select id from auth.users where aud = 'authenticated' order by created_at desc, id limit 4`).map((
          r,
        ) => r.id);
      const [first, second] = [
        await admin().listUsers({ page: 1, perPage: 2 }),
        await admin().listUsers({ page: 2, perPage: 2 }),
      ];
      expect(first.error).toBeNull();
      // (supabase-js reads only the first digit of the last page's number from the Link header,
      // so that is not compared.)
      expect(first.data).toMatchObject({ total: users, nextPage: 2 });
      expect([...first.data.users, ...second.data.users].map((u) => u.id)).toEqual(newest);
    });
    // The three made here, in the order made, newest first.
    const listed = (await admin().listUsers({ page: 1, perPage: 1000 })).data.users.map((u) => u.id).filter((id) =>
      made.includes(id)
    );
    expect(listed).toEqual([...made].reverse());
  });

  it('keeps user_metadata as sent: confirming adds only email_verified, identities stay unverified', async () => {
    const email = `meta-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const meta = { app_id: 'quit', locale: 'en', nickname: 'A' };
    const { data } = await admin().createUser({ email, user_metadata: meta });
    const id = data.user!.id;
    expect(data.user?.user_metadata).toEqual(meta);
    expect(data.user?.identities?.map((i) => i.identity_data)).toEqual([
      { sub: id, email, email_verified: false, phone_verified: false },
    ]);
    const apps = await adminSql()`select app_id from public.app_profiles where user_id = ${id}`;
    expect(apps.map((a) => a.app_id)).toEqual(['quit']);

    const confirmed = await admin().createUser({
      email: `meta-${crypto.randomUUID().slice(0, 8)}@example.com`,
      email_confirm: true,
      user_metadata: meta,
    });
    expect(confirmed.data.user?.user_metadata).toEqual({ ...meta, email_verified: true });

    // A top-level key set to null goes; the others are merged.
    const updated = await admin().updateUserById(id, { user_metadata: { nickname: null, level: 3 } });
    expect(updated.data.user?.user_metadata).toEqual({ app_id: 'quit', locale: 'en', level: 3 });
  });

  it('refuses a page or per_page that is not an unsigned integer with 400, as GoTrue parses them', async () => {
    // Go's strconv.ParseUint error follows "Bad Pagination Parameters: ".
    const refusals: [Parameters<ReturnType<typeof admin>['listUsers']>[0], string][] = [
      [{ page: -1 }, 'parsing "-1": invalid syntax'],
      [{ perPage: 'ten' as never }, 'parsing "ten": invalid syntax'],
      [{ page: '99999999999999999999' as never }, 'parsing "99999999999999999999": value out of range'],
    ];
    for (const [params, why] of refusals) {
      const { error } = await admin().listUsers(params);
      const message = `Bad Pagination Parameters: strconv.ParseUint: ${why}`;
      expect(error).toMatchObject({ status: 400, code: 'validation_failed', message });
    }
  });

  it('soft-deletes: the account stays for the record but can no longer sign in', async () => {
    const email = `soft-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const id = (await admin().createUser({ email, password: 'correct horse', email_confirm: true })).data.user!.id;
    expect((await admin().deleteUser(id, true)).error).toBeNull();
    const [row] = await adminSql()`select deleted_at, email from auth.users where id = ${id}`;
    expect(row.deleted_at).toBeTruthy();
    expect(row.email).toBeNull();
    expect((await anonClient().auth.signInWithPassword({ email, password: 'correct horse' })).error?.code).toBe(
      'invalid_credentials',
    );
  });

  it('is closed to anyone without the service-role key', async () => {
    const { error } = await anonClient().auth.admin.listUsers();
    expect(error).toMatchObject({ status: 403, code: 'not_admin' });
  });
});
