// Sync, part 1: versions and pull. The guarantee: with many concurrent writers, a concurrent puller's replica
// ends equal to the server's rows — a pull never misses a change. Shown in SQL (writers as PostgREST and jobs
// write) and through the API (writers pushing through /sync/push, the reader pulling through /sync/pull).
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

const pool = postgres(stackEnv().dbUrl, { max: 12, onnotice: () => {} });
afterAll(() => pool.end());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A transaction as the user, the way PostgREST runs a supabase-js write. */
function asUser<T>(userId: string, fn: (tx: postgres.TransactionSql) => Promise<T>) {
  return pool.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${
      JSON.stringify({ sub: userId, role: 'authenticated' })
    }, true)`;
    return fn(tx);
  }) as Promise<T>;
}

interface Change {
  table_name: string;
  version: string;
  deleted: boolean;
  row_data: { id: string; title: string; done: boolean };
}
const pull = (userId: string, cursor: string, limit = 50) =>
  asUser(
    userId,
    (tx) =>
      tx<Change[]>`
        select table_name, version::text as version, deleted, row_data
          from public.sync_pull('coach', ${cursor}::bigint, null, ${limit})`,
  );

async function oneRound() {
  const user = await createUser();
  const ids: string[] = [];
  let writing = true;

  // Writers: three as the user (PostgREST-style), one as a server job; each holds its transaction open a little
  // after writing, so commits interleave with version assignment.
  const writer = async (n: number, asServer: boolean) => {
    for (let i = 0; i < 12; i++) {
      const run = async (tx: postgres.TransactionSql) => {
        const pick = ids.length > 0 && Math.random() < 0.5 ? ids[Math.floor(Math.random() * ids.length)] : undefined;
        if (pick && Math.random() < 0.2) await tx`update public.sync_samples set deleted_at = now() where id = ${pick}`;
        else if (pick) {
          await tx`update public.sync_samples set title = ${`w${n}-${i}`}, done = not done where id = ${pick}`;
        } else {
          const id = crypto.randomUUID();
          await tx`insert into public.sync_samples (id, user_id, title) values (${id}, ${user.id}, ${`w${n}-${i}`})`;
          ids.push(id);
        }
        await sleep(Math.random() * 4);
      };
      if (asServer) await pool.begin(run);
      else await asUser(user.id, run);
    }
  };

  // The puller: applies pages to its replica as they come, while the writers write.
  const replica = new Map<string, { title: string; done: boolean; deleted: boolean }>();
  let cursor = '0';
  const drain = async () => {
    for (;;) {
      const page = await pull(user.id, cursor);
      for (const c of page) {
        replica.set(c.row_data.id, { title: c.row_data.title, done: c.row_data.done, deleted: c.deleted });
      }
      if (page.length) cursor = page[page.length - 1].version;
      if (page.length < 50) return;
    }
  };
  const puller = (async () => {
    while (writing) {
      await drain();
      await sleep(Math.random() * 3);
    }
  })();
  await Promise.all([writer(1, false), writer(2, false), writer(3, false), writer(4, true)]);
  writing = false;
  await puller;
  await drain();

  const server = await adminSql()`
    select id, title, done, deleted_at is not null as deleted from public.sync_samples where user_id = ${user.id}`;
  const expected = new Map(
    server.map((
      r,
    ) => [r.id as string, { title: r.title as string, done: r.done as boolean, deleted: r.deleted as boolean }]),
  );
  return { replica, expected };
}

/**
 * Through the API: devices pushing batches (new rows, edits and deletes of their own rows) while a reader pulls
 * in a loop, small pages. Every change the reader gets must come once, in version order, and its replica must end
 * as the server's rows. A batch's first write takes its version long before the push commits, so a puller that
 * could see a later version first would skip the earlier one.
 */
async function oneHttpRound() {
  const user = await createUser();
  const appliedVersions = new Set<string>();
  let writing = true;

  const writer = async (device: string) => {
    const mine = new Map<string, string>();
    for (let p = 0; p < 6; p++) {
      const ids = [...mine.keys()].sort(() => Math.random() - 0.5).slice(0, Math.floor(Math.random() * 4));
      const mutations = [
        ...ids.map((id, i) => ({
          mutation_id: crypto.randomUUID(),
          table: 'public.sync_samples',
          op: i === 0 && Math.random() < 0.3 ? 'delete' : 'upsert',
          row: { id, title: `${device}-${p}-edit` },
          base_version: mine.get(id),
        })),
        ...Array.from(
          { length: 1 + Math.floor(Math.random() * 6) },
          () => ({
            mutation_id: crypto.randomUUID(),
            table: 'public.sync_samples',
            op: 'upsert',
            row: { id: crypto.randomUUID(), title: `${device}-${p}` },
            base_version: null,
          }),
        ),
      ];
      const res = await call('POST', '/coach/sync/push', { token: user.token, json: { device_id: device, mutations } });
      expect(res.status).toBe(200);
      const results: Array<{ status: string; version: string; row: { id: string } }> = res.body.results;
      for (const [i, r] of results.entries()) {
        expect(r.status, JSON.stringify(r)).toBe('applied');
        appliedVersions.add(String(r.version));
        if (mutations[i].op === 'delete') mine.delete(r.row.id);
        else mine.set(r.row.id, String(r.version));
      }
    }
  };

  const seen: number[] = [];
  const replica = new Map<string, { title: string; deleted: boolean; version: string }>();
  let cursor = '0';
  const drain = async () => {
    for (;;) {
      const res = await call('POST', '/coach/sync/pull', {
        token: user.token,
        json: { cursor, limit: 7, device_id: 'reader' },
      });
      expect(res.status).toBe(200);
      for (const c of res.body.changes) {
        seen.push(Number(c.version));
        replica.set(c.row.id, { title: c.row.title, deleted: c.op === 'delete', version: c.version });
      }
      cursor = res.body.next_cursor;
      if (!res.body.has_more) return;
    }
  };
  const reader = (async () => {
    while (writing) await drain();
  })();
  await Promise.all(['phone', 'tablet', 'watch', 'laptop'].map(writer));
  writing = false;
  await reader;
  await drain();

  const server = await adminSql()`
    select id, title, deleted_at is not null as deleted, version::text as version from public.sync_samples
    where user_id = ${user.id}`;
  const expected = new Map(
    server.map((
      r,
    ) => [r.id as string, { title: r.title as string, deleted: r.deleted as boolean, version: r.version as string }]),
  );
  return { seen, appliedVersions, replica, expected };
}

describe('sync pull', () => {
  it('never misses a change under concurrent writers (20 rounds)', { timeout: 120_000 }, async () => {
    for (let round = 0; round < 20; round++) {
      const { replica, expected } = await oneRound();
      expect(replica, `round ${round}`).toEqual(expected);
    }
  });

  it('through the API: a reader pulling while devices push gets every change once, in version order (10 rounds)', {
    timeout: 120_000,
  }, async () => {
    for (let round = 0; round < 10; round++) {
      const { seen, appliedVersions, replica, expected } = await oneHttpRound();
      expect(seen, `round ${round}: versions once each, ascending`).toEqual([...new Set(seen)].sort((a, b) => a - b));
      expect(seen.filter((v) => !appliedVersions.has(String(v))), `round ${round}: only pushed changes`).toEqual([]);
      expect(replica, `round ${round}: the reader's replica is the server's rows`).toEqual(expected);
    }
  });

  it("returns rows and tombstones in version order, page by page, only the caller's", async () => {
    const user = await createUser();
    const other = await createUser();
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    await asUser(
      user.id,
      (tx) =>
        tx`
          insert into public.sync_samples (id, user_id, title) values (${a}, ${user.id}, 'a'), (${b}, ${user.id}, 'b')`,
    );
    await asUser(
      other.id,
      (tx) =>
        tx`insert into public.sync_samples (id, user_id, title) values (${crypto.randomUUID()}, ${other.id}, 'theirs')`,
    );
    await asUser(user.id, (tx) => tx`update public.sync_samples set deleted_at = now() where id = ${a}`);

    const first = await call('POST', '/coach/sync/pull', { token: user.token, json: { cursor: '0', limit: 1 } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      has_more: true,
      changes: [{ table: 'public.sync_samples', op: 'upsert', row: { id: b, title: 'b' } }],
    });
    const rest = await call('POST', '/coach/sync/pull', {
      token: user.token,
      json: { cursor: first.body.next_cursor },
    });
    expect(rest.body.changes).toMatchObject([{ op: 'delete', row: { id: a } }]);
    expect(rest.body.has_more).toBe(false);
    expect(BigInt(rest.body.changes[0].version)).toBeGreaterThan(BigInt(first.body.changes[0].version));
    const again = await call('POST', '/coach/sync/pull', {
      token: user.token,
      json: { cursor: rest.body.next_cursor },
    });
    expect(again.body).toEqual({ changes: [], next_cursor: rest.body.next_cursor, has_more: false });
    expect((await call('POST', '/quit/sync/pull', { token: user.token, json: {} })).body.changes).toEqual([]);
  });

  it('answers 410 RESYNC_REQUIRED to a cursor older than the purged tombstones', async () => {
    const user = await createUser();
    const id = crypto.randomUUID();
    await asUser(
      user.id,
      (tx) => tx`insert into public.sync_samples (id, user_id, title) values (${id}, ${user.id}, 'gone soon')`,
    );
    const old = (await call('POST', '/coach/sync/pull', { token: user.token, json: {} })).body.next_cursor;
    await asUser(
      user.id,
      (tx) => tx`update public.sync_samples set deleted_at = now() - interval '100 days' where id = ${id}`,
    );
    await asUser(
      user.id,
      (tx) =>
        tx`
          insert into public.sync_samples (id, user_id, title)
          values (${crypto.randomUUID()}, ${user.id}, 'still here')`,
    );
    await adminSql()`select internal.purge_sync_tombstones('90 days')`;
    const res = await call('POST', '/coach/sync/pull', { token: user.token, json: { cursor: old } });
    expect(res.status).toBe(410);
    expect(envelope(res).code).toBe('RESYNC_REQUIRED');
    const fresh = await call('POST', '/coach/sync/pull', { token: user.token, json: { cursor: '0' } });
    expect(fresh.body.changes.map((c: { row: { title: string } }) => c.row.title)).toEqual(['still here']);
  });

  it('refuses bad requests', async () => {
    const user = await createUser();
    for (
      const json of [{ cursor: '-1' }, { tables: ['sync_samples; drop table x'] }, { limit: 5000 }, { unknown: true }]
    ) {
      const res = await call('POST', '/coach/sync/pull', { token: user.token, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
  });
});
