// One-time import of a phone's local data: validated row by row, each batch applied once, resumable.
import { describe, expect, it } from 'vitest';
import { sendAtOnce, syncClockOf } from '../helpers/at-once.ts';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { holdWrites } from '../helpers/hold.ts';
import { createUser } from '../helpers/users.ts';

const importBatch = (token: string, source: string, batch_no: number, rows: unknown[], signal?: AbortSignal) =>
  call('POST', '/coach/sync/import', { token, json: { source, batch_no, rows }, ...(signal ? { signal } : {}) });
const todos = (from: number, n: number, tag = 't') =>
  Array.from({ length: n }, (_, i) => ({ key: from + i, text: `${tag}${from + i}`, done: (from + i) % 2 === 0 }));
/** What a finished import reports per batch. */
type Batch = { batch_no: number; imported: number };
const titlesOf = async (userId: string) =>
  (await adminSql()`select title from public.sync_samples where user_id = ${userId} order by title`).map((r) =>
    r.title as string
  );

describe('sync import', () => {
  it('imports a local store batch by batch; a retried batch is not applied twice; pulls see the rows', async () => {
    const user = await createUser();
    const first = await importBatch(user.token, 'sample_local_todos', 1, todos(1, 3));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      source: 'sample_local_todos',
      batch_no: 1,
      imported: 3,
      skipped: 0,
      rejected: 0,
      replayed: false,
    });
    expect(first.body.rows.map((r: { status: string }) => r.status)).toEqual(['imported', 'imported', 'imported']);

    const retry = await importBatch(user.token, 'sample_local_todos', 1, todos(1, 3));
    expect(retry.body).toMatchObject({ imported: 3, replayed: true, rows: first.body.rows });
    // The same local key maps to the same row, even when sent again under another batch number.
    const again = await importBatch(user.token, 'sample_local_todos', 2, todos(3, 2));
    expect(again.body.rows.map((r: { status: string }) => r.status)).toEqual(['skipped', 'imported']);
    expect(again.body.rows[0].id).toBe(first.body.rows[2].id);
    expect(await titlesOf(user.id)).toEqual(['t1', 't2', 't3', 't4']);

    const pulled = await call('POST', '/coach/sync/pull', { token: user.token, json: {} });
    const pulledTitles = pulled.body.changes.map((c: { row: { title: string } }) => c.row.title);
    expect(pulledTitles.sort()).toEqual(['t1', 't2', 't3', 't4']);

    // Another user importing the same local keys gets rows of their own.
    const other = await createUser();
    expect((await importBatch(other.token, 'sample_local_todos', 1, todos(1, 3))).body.imported).toBe(3);
    expect(await titlesOf(user.id)).toHaveLength(4);
  });

  it('the same batch sent 8 times at once is imported once, and every send answers its report', async () => {
    const user = await createUser();
    const rows = todos(1, 20);
    const answers = await sendAtOnce(
      syncClockOf(user.id),
      8,
      () => importBatch(user.token, 'sample_local_todos', 1, rows),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const first = answers.filter((a) => !a.body.replayed);
    expect(first).toHaveLength(1);
    expect(first[0].body).toMatchObject({ imported: 20, skipped: 0, rejected: 0 });
    expect(answers.map((a) => ({ ...a.body, replayed: false }))).toEqual(Array(8).fill(first[0].body));
    expect(await titlesOf(user.id)).toHaveLength(20);
    const done = await call('GET', '/coach/sync/import/sample_local_todos', { token: user.token });
    expect(done.body.batches.map((b: Batch) => [b.batch_no, b.imported])).toEqual([[1, 20]]);
  });

  it('refuses the same batch number with other rows (409) and changes nothing', async () => {
    const user = await createUser();
    await importBatch(user.token, 'sample_local_todos', 1, todos(1, 2));
    const clash = await importBatch(user.token, 'sample_local_todos', 1, todos(10, 2));
    expect(clash.status).toBe(409);
    expect(envelope(clash).code).toBe('CONFLICT');
    expect(await titlesOf(user.id)).toEqual(['t1', 't2']);
  });

  it('resumes after a failure mid-batch: the failed batch left nothing, the rest lands once', async () => {
    const user = await createUser();
    const marker = `crash-${crypto.randomUUID()}`;
    // A server fault half-way through batch 3 (what a dropped connection or a crash does to a transaction).
    await adminSql().unsafe(`
      create function public.test_import_crash() returns trigger language plpgsql as $f$
      begin
        if new.title = '${marker}' then raise exception 'simulated crash' using errcode = 'XX000'; end if;
        return new;
      end $f$;
      create trigger test_import_crash before insert on public.sync_samples
        for each row execute function public.test_import_crash();`);
    const batches = [
      todos(1, 5),
      todos(6, 5),
      [...todos(11, 2), { key: 13, text: marker }, ...todos(14, 2)],
      todos(16, 5),
    ];
    let failedAt = 0;
    try {
      for (const [i, rows] of batches.entries()) {
        const res = await importBatch(user.token, 'sample_local_todos', i + 1, rows);
        if (res.status !== 200) {
          expect(res.status).toBe(500);
          failedAt = i + 1;
          break;
        }
      }
    } finally {
      await adminSql().unsafe(
        'drop trigger test_import_crash on public.sync_samples; drop function public.test_import_crash()',
      );
    }
    expect(failedAt).toBe(3);
    // Rows 11 and 12 were written before the crash, and rolled back with their batch.
    expect(await titlesOf(user.id)).toHaveLength(10);

    // The app asks where to resume, then sends from the first batch not done (plus, harmlessly, the last done).
    const done = await call('GET', '/coach/sync/import/sample_local_todos', { token: user.token });
    expect(done.body.batches.map((b: Batch) => [b.batch_no, b.imported])).toEqual([[1, 5], [2, 5]]);
    for (let n = 2; n <= batches.length; n++) {
      const res = await importBatch(user.token, 'sample_local_todos', n, batches[n - 1]);
      expect(res.status).toBe(200);
      expect(res.body.replayed).toBe(n === 2);
    }
    const titles = await titlesOf(user.id);
    expect(titles).toHaveLength(20);
    expect(new Set(titles).size).toBe(20);
    expect(titles).toContain(marker);
  });

  it('a request cut off while the server applies it, and sent again at once, is applied once', async () => {
    const user = await createUser();
    const rows = todos(1, 300);
    // The first send is held on the server after importing its rows, just before it records the batch.
    const hold = await holdWrites('internal.sync_imports', `new.user_id = '${user.id}'`);
    try {
      const network = new AbortController();
      const first = importBatch(user.token, 'sample_local_todos', 1, rows, network.signal).then(
        (res) => `answered ${res.status}`,
        (err: Error) => err.name,
      );
      const held = await hold.reached();
      network.abort();
      expect(await first).toBe('AbortError');
      // The retry goes out while the first is still open on the server, and waits behind it.
      const retry = importBatch(user.token, 'sample_local_todos', 1, rows);
      await hold.queuedBehind(held);
      await hold.release();
      const res = await retry;
      expect(res.status).toBe(200);
      // The first send committed though its client was gone; the retry waited for it and answers with its report.
      expect(res.body).toMatchObject({ batch_no: 1, imported: 300, skipped: 0, rejected: 0, replayed: true });
      expect(await titlesOf(user.id)).toHaveLength(300);
      const batches = await call('GET', '/coach/sync/import/sample_local_todos', { token: user.token });
      expect(batches.body.batches).toMatchObject([{ batch_no: 1, imported: 300, skipped: 0, rejected: 0 }]);
    } finally {
      await hold.drop();
    }
  });

  it('reports bad rows one by one and imports the good ones beside them', async () => {
    const owner = await createUser();
    const other = await createUser();
    const theirs = crypto.randomUUID();
    await importBatch(other.token, 'rows', 1, [{
      table: 'public.sync_samples',
      row: { id: theirs, title: 'not yours' },
    }]);
    const good = crypto.randomUUID();
    const res = await importBatch(owner.token, 'rows', 1, [
      { table: 'public.secrets', row: { id: crypto.randomUUID() } },
      { table: 'public.sync_samples', row: { id: crypto.randomUUID(), title: 'x', user_id: other.id } },
      { table: 'public.sync_samples', row: { id: theirs, title: 'hijack' } },
      { table: 'public.sync_samples', row: { id: crypto.randomUUID(), title: 'x', done: 'maybe' } },
      { table: 'public.sync_samples', row: { id: crypto.randomUUID(), title: '' } },
      { table: 'public.sync_samples', row: { id: 'not-a-uuid', title: 'x' } },
      { table: 'public.sync_samples', row: { id: good, title: 'fine', version: 999999 } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ imported: 1, skipped: 0, rejected: 6 });
    expect(res.body.rows.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status)).toEqual([
      'VALIDATION_FAILED',
      'FORBIDDEN',
      'CONFLICT',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'imported',
    ]);
    expect(res.body.rows[5].error.details[0]).toMatchObject({ field: 'row.id' });
    expect((await adminSql()`select title from public.sync_samples where id = ${theirs}`)[0].title).toBe('not yours');
    // The server assigns versions: the client's is ignored.
    expect(BigInt(res.body.rows[6].version)).toBeLessThan(999999n);
    expect(await adminSql()`select 1 from public.sync_samples where user_id = ${owner.id}`).toHaveLength(1);
  });

  it('refuses an unknown source, a malformed request and a batch over the size limit, importing nothing', async () => {
    const user = await createUser();
    const unknown = await importBatch(user.token, 'isar_of_another_app', 1, todos(1, 1));
    expect(unknown.status).toBe(400);
    expect(envelope(unknown).details[0]).toMatchObject({ field: 'source' });
    for (
      const json of [{ source: 'rows', batch_no: 0, rows: [{}] }, { source: 'rows', batch_no: 1, rows: [] }, {
        source: 'rows',
        batch_no: 1,
      }]
    ) {
      expect((await call('POST', '/coach/sync/import', { token: user.token, json })).status, JSON.stringify(json)).toBe(
        400,
      );
    }
    const big = await importBatch(user.token, 'sample_local_todos', 1, todos(1, 501));
    expect(big.status).toBe(413);
    expect(envelope(big).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await titlesOf(user.id)).toEqual([]);
    expect((await call('GET', '/coach/sync/import/sample_local_todos', { token: user.token })).body.batches).toEqual(
      [],
    );
  });
});
