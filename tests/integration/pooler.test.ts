// The functions' database layer behind a transaction-mode pooler, as in production (Supavisor on :6543, here
// PgBouncer): each transaction may land on another server connection, and prepared statements are off. Two server
// connections serve eight client ones, so requests keep changing servers.
import { type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chownSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db, type Tx } from '../../functions/_shared/db.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import type { Claims } from '../../functions/_shared/jwt.ts';
import { createRateLimiter } from '../../functions/_shared/rate-limit.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { logTail, postgresOsUser, spawnBound } from '../../scripts/stack/spawn.ts';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

let bouncer: ChildProcess;
let dir: string;
let db: Db;

beforeAll(async () => {
  const target = new URL(stackEnv().dbUrl);
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'houtai-pgbouncer-'));
  writeFileSync(join(dir, 'users.txt'), '"postgres" "postgres"\n');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `postgres = host=${target.hostname} port=${target.port} dbname=postgres`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'default_pool_size = 2',
      'max_client_conn = 50',
      '',
    ].join('\n'),
  );
  const asUser = postgresOsUser(); // PgBouncer, like PostgreSQL, will not run as root
  if (asUser) { for (const f of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(dir, f), asUser.uid, asUser.gid); }
  const log = join(dir, 'pgbouncer.log');
  const out = openSync(log, 'a');
  bouncer = spawnBound('/usr/sbin/pgbouncer', [join(dir, 'pgbouncer.ini')], {
    asUser,
    deathSignal: 'SIGTERM',
    stdio: ['ignore', out, out],
  });
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
  for (let i = 0;; i++) {
    const probe = postgres(url, { max: 1, connect_timeout: 1, onnotice: () => {} });
    try {
      await probe`select 1`;
      break;
    } catch (err) {
      if (i > 50) throw new Error(`PgBouncer did not answer (${(err as Error).message}):\n${logTail(log)}`);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await probe.end();
    }
  }
  db = createDb(
    loadConfig({
      SUPABASE_URL: stackEnv().apiUrl,
      SUPABASE_DB_URL: url,
      JWT_SECRET: stackEnv().jwtSecret,
      DB_PREPARE: 'false',
      DB_POOL_MAX: '8',
    }),
  );
});

afterAll(async () => {
  await db?.end();
  bouncer?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('behind a transaction-mode pooler', () => {
  const claimsOf = (id: string) => ({ sub: id, role: 'authenticated' }) as Claims;
  it('runs every request as its own caller, list and interactive alike', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => createUser()));
    const outcomes = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const user = users[i % users.length];
      if (i % 2) {
        const [[who], [seen]] = await db.asUser(claimsOf(user.id), (tx) => [
          tx<{ uid: string; role: string }[]>`select auth.uid() as uid, current_user as role`,
          tx<{ n: number }[]>`select count(*)::int as n from public.profiles`,
        ]);
        return who.uid === user.id && who.role === 'authenticated' && seen.n === 1;
      }
      return db.asUser(claimsOf(user.id), async (tx) => {
        const [who] = await tx`select auth.uid() as uid, current_user as role`;
        const [seen] = await tx`select count(*)::int as n from public.profiles`;
        return who.uid === user.id && who.role === 'authenticated' && seen.n === 1;
      });
    }));
    expect(outcomes.filter((ok) => !ok)).toEqual([]);
  });

  it('leaves nothing of a failed request on the server connection it used', async () => {
    const user = await createUser();
    const title = `pooler-${randomUUID()}`;
    const insert = (tx: Tx) =>
      tx`insert into public.sync_samples (id, title) values (${randomUUID()}, ${title}) returning id`;
    const failures = await Promise.allSettled([
      db.asUser(claimsOf(user.id), (tx) => [insert(tx), tx`select 1 / 0`]),
      db.asUser(claimsOf(user.id), async (tx) => {
        await insert(tx);
        await tx`select 1 / 0`;
      }),
    ]);
    expect(failures.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ran'))).toEqual([
      '22012',
      '22012',
    ]);
    expect((await adminSql()`select count(*)::int as n from public.sync_samples where title = ${title}`)[0].n).toBe(0);
    // Every server connection is clean for the next client: no role and no claims left behind.
    const after = await Promise.all(
      Array.from(
        { length: 8 },
        () => db.sql`select current_user as role, current_setting('request.jwt.claims', true) as claims`,
      ),
    );
    expect(after.map(([r]) => [r.role, r.claims ?? ''])).toEqual(Array(8).fill(['postgres', '']));
  });

  it("syncs the rate limiter's grants through the pooler", async () => {
    const limiter = createRateLimiter(db.sql, { syncMs: 5 });
    const key = `pooler:limit:${randomUUID()}`;
    const retries = await Promise.all(
      Array.from({ length: 12 }, () => limiter.take([{ key, capacity: 10, windowSeconds: 3600 }])),
    );
    await limiter.close();
    expect(retries.filter((r) => r === 0)).toHaveLength(10);
    expect(Math.round((await adminSql()`select tokens from internal.rate_limit_buckets where key = ${key}`)[0].tokens))
      .toBe(0);
  });
});
