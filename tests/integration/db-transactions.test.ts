// The functions' transactions (functions/_shared/db.ts), in both shapes of `work` and both ways a list travels (one
// simple-protocol message with literal values, or pipelined on a reserved connection): all-or-nothing, run as the
// caller, values arriving as values, and nothing left behind on the pooled connection.
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db, type Tx } from '../../functions/_shared/db.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import type { Claims } from '../../functions/_shared/jwt.ts';
import { adminSql } from '../helpers/db.ts';
import { until } from '../helpers/hold.ts';
import { queuedBehind } from '../helpers/lock-waits.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

/** A Db on one connection, so every transaction and every check after it meets the same session. */
const oneConnection = (dbUrl = stackEnv().dbUrl, hooks?: Parameters<typeof createDb>[1], prepare = false) =>
  createDb(
    loadConfig({
      SUPABASE_URL: stackEnv().apiUrl,
      SUPABASE_DB_URL: dbUrl,
      JWT_SECRET: stackEnv().jwtSecret,
      DB_POOL_MAX: '1',
      DB_PREPARE: String(prepare),
    }),
    hooks,
  );

/** The type bytes of the protocol messages in `bytes`, a client's stream from a message boundary on. */
function messageTypes(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let at = 0; at < bytes.length; at += 1 + bytes.readInt32BE(at + 1)) types.push(String.fromCharCode(bytes[at]));
  return types;
}

/** What a transaction sent through the relay: its messages' types, e.g. ['Q'] for one simple-protocol Query. */
async function messagesOf(relay: { sent: () => Buffer }, run: () => Promise<unknown>): Promise<string[]> {
  const from = relay.sent().length;
  await run();
  return messageTypes(relay.sent().subarray(from));
}

/** A TCP relay to the test database that records what its clients send. */
async function recordingRelay(): Promise<{ url: string; sent: () => Buffer; close: () => Promise<void> }> {
  const target = new URL(stackEnv().dbUrl);
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    const server = connect(Number(target.port), target.hostname);
    for (const s of [client, server]) {
      sockets.add(s);
      s.on('error', () => {}).on('close', () => sockets.delete(s));
    }
    client.on('data', (data: Buffer) => chunks.push(Buffer.from(data)));
    client.pipe(server).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as { port: number };
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    sent: () => Buffer.concat(chunks),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

const claimsOf = (id: string) => ({ sub: id, role: 'authenticated' }) as Claims;
// A row the caller may insert under RLS, marked by its title.
const sample = (tx: Tx, title: string) =>
  tx<{ id: string }[]>`insert into public.sync_samples (id, title) values (${randomUUID()}, ${title}) returning id`;
const samplesOf = async (userId: string) =>
  (await adminSql()<
    { title: string }[]
  >`select title from public.sync_samples where user_id = ${userId} order by title`).map((r) => r.title);

const hostile = [
  "it's",
  "'; drop table public.sync_samples; --",
  'back\\slash',
  "\\'; select 1; --",
  "E'\\x27'",
  '$$ $tag$ $$',
  '"quoted"',
  '多语言 🚀',
  '\n\r\t',
  "'' '",
  "\\\\'",
  'a\u2028b',
  '-- not a comment',
];
const at = new Date('2026-11-23T03:28:55.123Z');
/** A statement per value kind, each reading its values back (and, where it shows, the type Postgres gave them). */
const everyKind = (tx: Tx) => [
  ...hostile.map((v) => tx`select ${v}::text as v, ${v} = ${v}::text as same, coalesce(${v}, 'x') as untyped`),
  tx`select ${-1} as v, 5 - ${-1} as minus, pg_typeof(${-1} + 1)::text as t, ${-1} + 0.5 as half`,
  tx`select ${Number.MAX_SAFE_INTEGER}::int8 as big, ${1e21}::numeric as huge, ${0.1}::float8 as frac, ${0} as zero`,
  tx`select ${9007199254740993n as never}::text as v, pg_typeof(${1n as never})::text as t`,
  tx`select ${true} as yes, ${false} as no, pg_typeof(${true})::text as t, ${null}::int as nothing,
            coalesce(${null}, 'x') as untyped`,
  tx`select ${at} as at, pg_typeof(${at})::text as t, ${at} = '2026-11-23 03:28:55.123+00'::timestamptz as same`,
];

describe.each([false, true])('a list of statements, with DB_PREPARE=%s', (prepare) => {
  let relay: Awaited<ReturnType<typeof recordingRelay>>;
  let db: Db;
  beforeAll(async () => {
    relay = await recordingRelay();
    db = oneConnection(relay.url, undefined, prepare);
    await db.sql`select 1`; // connected: the relay's record is at a message boundary after each transaction
  });
  afterAll(async () => {
    await db.end();
    await relay.close();
  });

  it('runs a list of statements as the caller, with RLS, and leaves no role or claims on the connection', async () => {
    const user = await createUser();
    const [[who], [other]] = await db.asUser(claimsOf(user.id), (tx) => [
      tx<{ role: string; uid: string }[]>`select current_user as role, auth.uid() as uid`,
      tx<{ n: number }[]>`select count(*)::int as n from public.profiles`,
    ]);
    expect(who).toEqual({ role: 'authenticated', uid: user.id });
    expect(other.n).toBe(1); // RLS: only the caller's own profile
    const [after] = await db.sql`
        select current_user as role, current_setting('request.jwt.claims', true) as claims,
               current_setting('request.jwt.claim.sub', true) as sub, auth.uid() as uid`;
    expect(after.role).toBe('postgres');
    expect(after.claims ?? '').toBe('');
    expect(after.sub ?? '').toBe('');
    expect(after.uid).toBeNull();
  });

  it('undoes every statement of a list when one fails, and rejects with the first failure', async () => {
    const user = await createUser();
    // The third statement would fail on its own too (22P02), but after the first failure nothing more runs.
    await expect(db.asUser(claimsOf(user.id), (tx) => [sample(tx, 'a'), tx`select 1 / 0`, tx`select 'x'::int`]))
      .rejects.toMatchObject({ code: '22012' });
    expect(await samplesOf(user.id)).toEqual([]);
    // The connection is clean for the next caller.
    await db.asUser(claimsOf(user.id), (tx) => [sample(tx, 'b')]);
    expect(await samplesOf(user.id)).toEqual(['b']);
  });

  it('writes every value kind so Postgres reads it back as the parameter postgres.js would bind', async () => {
    const user = await createUser();
    const got = await db.asUser(claimsOf(user.id), (tx) => everyKind(tx));
    // The same statements one by one, each pipelined with bound parameters.
    const bound = oneConnection(undefined, undefined, true);
    try {
      const expected = [];
      for (const i of got.keys()) expected.push((await bound.asUser(claimsOf(user.id), (tx) => [everyKind(tx)[i]]))[0]);
      expect(got).toEqual(expected);
    } finally {
      await bound.end();
    }
    expect(got.slice(0, hostile.length).map(([r]) => r)).toEqual(
      hostile.map((v) => ({ v, same: true, untyped: v })),
    );
    expect(got.slice(hostile.length).map(([r]) => r)).toEqual([
      { v: '-1', minus: 6, t: 'integer', half: '-0.5' },
      { big: String(Number.MAX_SAFE_INTEGER), huge: '1000000000000000000000', frac: 0.1, zero: '0' },
      { v: '9007199254740993', t: 'bigint' },
      { yes: true, no: false, t: 'boolean', nothing: null, untyped: 'x' },
      { at: '2026-11-23T03:28:55.123+00:00', t: 'timestamp with time zone', same: true },
    ]);
  });

  it('keeps a value written to end its literal and run SQL a value', async () => {
    const user = await createUser();
    const attacks = ["x'); delete from public.sync_samples; --", "x\\'); delete from public.sync_samples; --"];
    await db.asUser(claimsOf(user.id), (tx) => [sample(tx, 'kept'), ...attacks.map((a) => sample(tx, a))]);
    expect(await samplesOf(user.id)).toEqual(['kept', ...attacks].sort());
  });

  it('keeps a value the template puts in a comment from becoming SQL', async () => {
    const user = await createUser();
    // Sent by postgres.js, Postgres refuses it (a parameter the statement never uses); written as a literal, the
    // newline would end the comment and the rest would run.
    await expect(db.asUser(claimsOf(user.id), (tx) => [
      tx`select 1 as n -- ${'\nunion all select 2 --'}`,
      tx`select 3 as n`,
    ])).rejects.toMatchObject({ code: '42P18' });
  });

  it('refuses a string holding NUL, and writes nothing', async () => {
    const user = await createUser();
    await expect(db.asUser(claimsOf(user.id), (tx) => [sample(tx, 'a'), sample(tx, 'b\0c')])).rejects.toThrow(/NUL/);
    expect(await samplesOf(user.id)).toEqual([]);
  });

  it(
    `sends a list of several statements as one simple-protocol Query, and a lone one ${prepare ? 'pipelined' : 'too'}`,
    async () => {
      const user = await createUser();
      const two = await messagesOf(
        relay,
        () => db.asUser(claimsOf(user.id), (tx) => [sample(tx, 'a'), sample(tx, 'b')]),
      );
      expect(two).toEqual(['Q']);
      const one = await messagesOf(relay, () => db.asUser(claimsOf(user.id), (tx) => [sample(tx, 'c')]));
      // Pipelined: the opening (Q), the statement bound to its parameters (B, E, …), the commit (Q).
      expect(one).toEqual(prepare ? expect.arrayContaining(['Q', 'B', 'E']) : ['Q']);
      expect(await samplesOf(user.id)).toEqual(['a', 'b', 'c']);
    },
  );

  it('sends a list holding a value the renderer does not cover pipelined, with the same answer', async () => {
    const user = await createUser();
    const titles = ['a', "b'"];
    let rows: unknown;
    const sent = await messagesOf(relay, async () => {
      rows = await db.asUser(claimsOf(user.id), (tx) => [
        tx`select ${titles}::text[] as titles, ${tx.json({ k: "it's" })}::jsonb as doc`,
        sample(tx, 'c'),
      ]);
    });
    expect(sent).toEqual(expect.arrayContaining(['Q', 'B', 'E']));
    expect(rows).toEqual([[{ titles, doc: { k: "it's" } }], [{ id: expect.any(String) }]]);
    expect(await samplesOf(user.id)).toEqual(['c']);
  });

  it('rejects a list with a statement that returns no rows, however it travels', async () => {
    const user = await createUser();
    await expect(db.asUser(claimsOf(user.id), (tx) => [
      tx`insert into public.sync_samples (id, title) values (${randomUUID()}, 'no rows')`,
    ])).rejects.toThrow(/must return rows/);
  });
});

describe('database transactions', () => {
  const db = oneConnection();
  afterAll(() => db.end());

  it("sends a list's commit with its statements, before the first of them has answered", async () => {
    const relay = await recordingRelay();
    const relayed = oneConnection(relay.url);
    const holder = await adminSql().reserve();
    try {
      const key = Math.floor(Math.random() * 2 ** 31);
      const [{ pid }] = await holder<{ pid: number }[]>`select pg_backend_pid() as pid, pg_advisory_lock(${key})`;
      const user = await createUser();
      // Without parameters, so postgres.js holds nothing back to describe it first.
      const list = relayed.asUser(claimsOf(user.id), (tx) => [tx.unsafe(`select pg_advisory_xact_lock(${key})`)]);
      const settled = Promise.allSettled([list]); // looked at below, unless a wait fails first
      await until(
        'the statement waiting for the lock',
        async () => ((await queuedBehind(pid)) === 1 ? true : undefined),
      );
      // The statement cannot answer while the lock is held: a commit sent after awaiting it is not on the wire yet.
      await until(
        'the commit on the wire',
        () => Promise.resolve(relay.sent().includes('commit\0') ? true : undefined),
      );
      await holder`select pg_advisory_unlock(${key})`;
      const [outcome] = await settled;
      expect(outcome.status).toBe('fulfilled');
    } finally {
      await holder`select pg_advisory_unlock_all()`;
      holder.release();
      await relayed.end();
      await relay.close();
    }
  }, 30_000); // room for a wait to fail with its own message (15 s) before the test's timeout

  it('runs a statement the work sends before it returns inside the transaction, as the caller', async () => {
    const user = await createUser();
    // `.then` sends the statement at once, while `work` runs: only an opening queued before `work` can precede it.
    const role = await db.asUser(claimsOf(user.id), (tx) =>
      tx<{ role: string }[]>`select current_user as role`
        .then(([r]) => r.role));
    expect(role).toBe('authenticated');
  });

  it('rolls back a transaction whose handler returned while a statement it never awaited failed', async () => {
    const user = await createUser();
    let unawaited: unknown;
    await expect(
      db.asUser(claimsOf(user.id), async (tx) => {
        await sample(tx, 'a');
        void tx`select 1 / 0`.execute().catch((err) => void (unawaited = err));
        return 'done';
      }),
    ).rejects.toThrow(/rolled back/);
    expect(unawaited).toMatchObject({ code: '22012' });
    expect(await samplesOf(user.id)).toEqual([]);
  });

  it('rolls back everything when the handler throws, and keeps what a savepoint did not undo', async () => {
    const user = await createUser();
    await expect(db.asUser(claimsOf(user.id), async (tx) => {
      await sample(tx, 'a');
      throw new Error('handler failed');
    })).rejects.toThrow('handler failed');
    expect(await samplesOf(user.id)).toEqual([]);

    await db.asUser(claimsOf(user.id), async (tx) => {
      await sample(tx, 'a');
      await expect(tx.savepoint(async (sp) => {
        await sample(sp, 'b');
        throw new Error('item failed');
      })).rejects.toThrow('item failed');
      await tx.savepoint((sp) => sample(sp, 'c'));
    });
    expect(await samplesOf(user.id)).toEqual(['a', 'c']);
  });

  const drawsNoNotice =
    'draws no notice from the server, whether a transaction commits or fails, and leaves its connection usable';
  it(drawsNoNotice, async () => {
    const notices: string[] = [];
    const watched = oneConnection(undefined, { onNotice: (n) => notices.push(`${n.severity}: ${n.message}`) });
    try {
      const user = await createUser();
      await watched.asUser(claimsOf(user.id), (tx) => [sample(tx, 'a')]);
      await watched.asUser(claimsOf(user.id), async (tx) => {
        await sample(tx, 'b');
      });
      await expect(watched.asUser(claimsOf(user.id), (tx) => [sample(tx, 'c'), tx`select 1 / 0`])).rejects
        .toMatchObject({ code: '22012' });
      await expect(watched.asUser(claimsOf(user.id), async (tx) => await tx`select 1 / 0`)).rejects
        .toMatchObject({ code: '22012' });
      expect(await samplesOf(user.id)).toEqual(['a', 'b']);
      // No block left open or aborted on its one connection: no role, and now() moves (it stands still in a block).
      const [first] = await watched.sql`select current_user as role, now()::text as at`;
      await new Promise((r) => setTimeout(r, 5));
      const [second] = await watched.sql`select now()::text as at`;
      expect(first.role).toBe('postgres');
      expect(second.at).not.toBe(first.at);
      expect(notices).toEqual([]);
    } finally {
      await watched.end();
    }
  });

  it('never runs a client transaction with a service role, in either shape', async () => {
    const service = { role: 'service_role' } as Claims;
    await expect(db.asUser(service, (tx) => [tx`select 1`])).rejects.toThrow(/service_role/);
    await expect(db.asUser(service, async (tx) => await tx`select 1`)).rejects.toThrow(/service_role/);
  });
});
