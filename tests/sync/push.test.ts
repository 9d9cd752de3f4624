// Sync, part 2: push — each mutation applied once, by its table's conflict strategy, with per-mutation errors.
import { describe, expect, it } from 'vitest';
import { sendAtOnce, syncClockOf } from '../helpers/at-once.ts';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { createUser } from '../helpers/users.ts';

const push = (token: string, mutations: unknown[], device = 'phone-1') =>
  call('POST', '/coach/sync/push', { token, json: { device_id: device, mutations } });
const m = (table: string, row: Record<string, unknown>, base: string | null = null, op = 'upsert') => ({
  mutation_id: crypto.randomUUID(),
  table,
  op,
  row,
  base_version: base,
});

describe('sync push', () => {
  it('applies a new row, bumps its version, and a retried push does not apply it twice', async () => {
    const user = await createUser();
    const id = crypto.randomUUID();
    const mutation = m('public.sync_samples', { id, title: 'buy milk' });
    const first = await push(user.token, [mutation]);
    expect(first.status).toBe(200);
    expect(first.body.results[0]).toMatchObject({
      status: 'applied',
      row: { id, title: 'buy milk', user_id: user.id },
    });
    const retry = await push(user.token, [mutation]);
    expect(retry.body.results[0]).toMatchObject({
      status: 'applied',
      replayed: true,
      version: first.body.results[0].version,
    });
    const [{ n }] = await adminSql()`select count(*)::int as n from public.sync_samples where id = ${id}`;
    expect(n).toBe(1);
    const pulled = await call('POST', '/coach/sync/pull', { token: user.token, json: {} });
    expect(pulled.body.changes.map((c: { row: { title: string } }) => c.row.title)).toEqual(['buy milk']);
  });

  it('a mutation pushed 8 times at once from two installations is applied once; each push answers that', async () => {
    const user = await createUser();
    // client_wins applies whatever arrives: a second application would be a second version of the row.
    const t = 'public.sync_samples_client';
    const id = crypto.randomUUID();
    const v1 = String((await push(user.token, [m(t, { id, title: 'a' })])).body.results[0].version);
    const edit = m(t, { id, title: 'edited offline' }, v1);
    const clock = async () =>
      (await adminSql()`select version::int as v from internal.sync_clocks where user_id = ${user.id}`)[0].v as number;
    const before = await clock();
    // Pushes from one installation also queue on its device row; two installations race on the mutation alone.
    const answers = await sendAtOnce(
      syncClockOf(user.id),
      8,
      (i) => push(user.token, [edit], i % 2 ? 'phone-1' : 'tablet'),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const results = answers.map((a) => a.body.results[0]);
    const applied = results.filter((r) => !r.replayed);
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({
      mutation_id: edit.mutation_id,
      status: 'applied',
      row: { id, title: 'edited offline' },
    });
    expect(results.map(({ replayed: _, ...outcome }) => outcome)).toEqual(Array(8).fill(applied[0]));
    expect(await clock()).toBe(before + 1);
    const [row] = await adminSql()`select version::int as v, title from public.sync_samples_client where id = ${id}`;
    expect(row).toEqual({ v: applied[0].version, title: 'edited offline' });
    expect(await adminSql()`select 1 from internal.sync_mutations where mutation_id = ${edit.mutation_id}`)
      .toHaveLength(1);
  });

  it('server_wins: an edit based on an old version is a conflict and the server row stays', async () => {
    const user = await createUser();
    const id = crypto.randomUUID();
    const v1 = (await push(user.token, [m('public.sync_samples', { id, title: 'v1' })])).body.results[0].version;
    await push(user.token, [m('public.sync_samples', { id, title: 'v2 from tablet' }, String(v1))], 'tablet');
    const stale = await push(user.token, [m('public.sync_samples', { id, title: 'v2 from phone' }, String(v1))]);
    expect(stale.body.results[0]).toMatchObject({
      status: 'conflict',
      strategy: 'server_wins',
      resolution: 'server_kept',
      server_row: { title: 'v2 from tablet' },
    });
    const [row] = await adminSql()`select title from public.sync_samples where id = ${id}`;
    expect(row.title).toBe('v2 from tablet');
  });

  it("last_write_wins decides by the client's updated_at", async () => {
    const user = await createUser();
    const t = 'public.sync_samples_lww';
    const id = crypto.randomUUID();
    const v1 = String(
      (await push(user.token, [m(t, { id, title: 'a', updated_at: '2026-01-01T00:00:00Z' })])).body.results[0].version,
    );
    await push(user.token, [m(t, { id, title: 'server edit', updated_at: '2026-01-03T00:00:00Z' }, v1)], 'tablet');
    const older = await push(user.token, [
      m(t, { id, title: 'older offline edit', updated_at: '2026-01-02T00:00:00Z' }, v1),
    ]);
    expect(older.body.results[0]).toMatchObject({
      status: 'conflict',
      strategy: 'last_write_wins',
      server_row: { title: 'server edit' },
    });
    const newer = await push(user.token, [
      m(t, { id, title: 'newer offline edit', updated_at: '2026-01-04T00:00:00Z' }, v1),
    ]);
    expect(newer.body.results[0]).toMatchObject({ status: 'applied', row: { title: 'newer offline edit' } });
  });

  it("client_wins applies a stale edit over the server's", async () => {
    const user = await createUser();
    const t = 'public.sync_samples_client';
    const id = crypto.randomUUID();
    const v1 = String((await push(user.token, [m(t, { id, title: 'a' })])).body.results[0].version);
    await push(user.token, [m(t, { id, title: 'tablet edit' }, v1)], 'tablet');
    const stale = await push(user.token, [m(t, { id, title: 'client wins' }, v1)]);
    expect(stale.body.results[0]).toMatchObject({ status: 'applied', row: { title: 'client wins' } });
  });

  it('manual returns the conflict to the app, which resolves it on top of the server row', async () => {
    const user = await createUser();
    const t = 'public.sync_samples_manual';
    const id = crypto.randomUUID();
    const v1 = String((await push(user.token, [m(t, { id, title: 'a' })])).body.results[0].version);
    await push(user.token, [m(t, { id, title: 'tablet edit' }, v1)], 'tablet');
    const manual = await push(user.token, [m(t, { id, title: 'needs a human' }, v1)]);
    expect(manual.body.results[0]).toMatchObject({
      status: 'conflict',
      strategy: 'manual',
      resolution: 'resolve_on_client',
      server_row: { title: 'tablet edit' },
    });
    const [kept] = await adminSql()`select title from public.sync_samples_manual where id = ${id}`;
    expect(kept.title).toBe('tablet edit');
    const resolved = await push(user.token, [
      m(t, { id, title: 'merged' }, String(manual.body.results[0].server_row.version)),
    ]);
    expect(resolved.body.results[0]).toMatchObject({ status: 'applied', row: { title: 'merged' } });
  });

  it('deletes as tombstones that pulls return', async () => {
    const user = await createUser();
    const id = crypto.randomUUID();
    const v = String((await push(user.token, [m('public.sync_samples', { id, title: 'x' })])).body.results[0].version);
    expect((await push(user.token, [m('public.sync_samples', { id }, v, 'delete')])).body.results[0].status).toBe(
      'applied',
    );
    const pulled = await call('POST', '/coach/sync/pull', { token: user.token, json: {} });
    expect(pulled.body.changes).toMatchObject([{ op: 'delete', row: { id } }]);
  });

  it('rejects bad mutations one by one and applies the good ones beside them', async () => {
    const owner = await createUser();
    const other = await createUser();
    const theirs = crypto.randomUUID();
    await push(other.token, [m('public.sync_samples', { id: theirs, title: 'not yours' })]);
    const good = crypto.randomUUID();
    const res = await push(owner.token, [
      m('public.secrets', { id: crypto.randomUUID() }),
      m('public.sync_samples', { id: crypto.randomUUID(), title: 'x', user_id: other.id }),
      m('public.sync_samples', { id: theirs, title: 'hijack' }),
      m('public.sync_samples', { id: crypto.randomUUID(), title: 'x', done: 'maybe' }),
      m('public.sync_samples', { id: crypto.randomUUID(), title: '' }),
      { mutation_id: 'nope', table: 'public.sync_samples', op: 'upsert', row: {} },
      m('public.sync_samples', { id: good, title: 'fine' }),
    ]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'applied',
    ]);
    expect(
      res.body.results.slice(0, 6).every((r: { error: { code: unknown; message: string } }) =>
        typeof r.error.code === 'string' && r.error.message.length > 0
      ),
    ).toBe(true);
    // Someone else's row is invisible to the caller: taking its id collides instead of overwriting it.
    expect(res.body.results[1].error.code).toBe('FORBIDDEN');
    expect(res.body.results[2].error.code).toBe('CONFLICT');
    const [row] = await adminSql()`select title from public.sync_samples where id = ${theirs}`;
    expect(row.title).toBe('not yours');
    expect(await adminSql()`select 1 from public.sync_samples where id = ${good}`).toHaveLength(1);
  });

  it("cannot link a record to another user's day log: server columns ignored, same answer either way", async () => {
    const victim = await createUser();
    const attacker = await createUser();
    const dayLogId = async (user: string, date: string) =>
      (await adminSql()`select coach.day_log_id(${user}, ${date}::date) as id`)[0].id as string;
    // The victim logged 2026-11-20 and nothing on 2026-11-21; day log ids are computable from user and date.
    await push(victim.token, [
      m('coach.workouts', {
        id: crypto.randomUUID(),
        log_date: '2026-11-20',
        workout_type: 'run',
        duration_minutes: 30,
      }),
    ]);
    const logged = await dayLogId(victim.id, '2026-11-20');
    const notLogged = await dayLogId(victim.id, '2026-11-21');
    const own = await dayLogId(attacker.id, '2026-11-01');

    const id = crypto.randomUUID();
    const created = await push(attacker.token, [
      m('coach.workouts', {
        id,
        log_date: '2026-11-01',
        workout_type: 'run',
        duration_minutes: 10,
        day_log_id: logged,
        created_at: '2000-01-01T00:00:00Z',
      }),
    ]);
    expect(created.status).toBe(200);
    expect(created.body.results[0]).toMatchObject({
      status: 'applied',
      ignored: ['day_log_id', 'created_at'],
      row: { day_log_id: own },
    });
    expect(created.body.results[0].row.created_at).not.toMatch(/^2000-/);

    const version = String(created.body.results[0].version);
    const probes = await push(
      attacker.token,
      [logged, notLogged].map((day) => m('coach.workouts', { id, day_log_id: day }, version)),
    );
    expect(probes.status).toBe(200);
    expect(probes.body.results.map((r: { status: string }) => r.status)).toEqual(['rejected', 'rejected']);
    expect(probes.body.results[0].error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('day_log_id'),
    });
    expect(probes.body.results[1].error).toEqual(probes.body.results[0].error);

    const [stored] = await adminSql()`select day_log_id from coach.workouts where id = ${id}`;
    expect(stored.day_log_id).toBe(own);
    expect(await adminSql()`select 1 from coach.workouts where day_log_id = ${logged}`).toHaveLength(1);
  });

  it('refuses a batch over the size limit with 413 and applies none of it', async () => {
    const user = await createUser();
    const ids = Array.from({ length: 501 }, () => crypto.randomUUID());
    const res = await push(user.token, ids.map((id) => m('public.sync_samples', { id, title: 't' })));
    expect(res.status).toBe(413);
    expect(envelope(res).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await adminSql()`select 1 from public.sync_samples where user_id = ${user.id}`).toHaveLength(0);
  });
});
