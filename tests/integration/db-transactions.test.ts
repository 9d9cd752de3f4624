// The functions' transactions (functions/_shared/db.ts): pipelined on a reserved connection, they must still be
// all-or-nothing, run as the caller, and leave nothing behind on the pooled connection.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, runText, type Tx } from '../../functions/_shared/db.ts';
import { sqlText } from '../../functions/_shared/sql-text.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import type { Claims } from '../../functions/_shared/jwt.ts';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

describe('database transactions', () => {
  // One connection, so every transaction and every check after it meets the same session.
  const db = createDb(
    loadConfig({
      SUPABASE_URL: stackEnv().apiUrl,
      SUPABASE_DB_URL: stackEnv().dbUrl,
      JWT_SECRET: stackEnv().jwtSecret,
      DB_POOL_MAX: '1',
    }),
  );
  afterAll(() => db.end());
  const claimsOf = (id: string) => ({ sub: id, role: 'authenticated' }) as Claims;
  // A row the caller may insert under RLS, marked by its title.
  const sample = (title: string) =>
    sqlText<
      { id: string }
    >`insert into public.sync_samples (id, title) values (${randomUUID()}, ${title}) returning id`;
  const sampleIn = (tx: Tx, title: string) => runText(tx, sample(title));
  const samplesOf = async (userId: string) =>
    (await adminSql()<
      { title: string }[]
    >`select title from public.sync_samples where user_id = ${userId} order by title`).map((r) => r.title);

  it('runs statements as the caller in one go, and leaves no role or claims on the connection', async () => {
    const user = await createUser();
    const [[who], [other]] = await db.statementsAsUser(claimsOf(user.id), [
      sqlText<{ role: string; uid: string }>`select current_user as role, auth.uid() as uid`,
      sqlText<{ n: number }>`select count(*)::int as n from public.profiles`,
    ]);
    expect(who).toEqual({ role: 'authenticated', uid: user.id });
    expect(other.n).toBe(1); // RLS: only the caller's own profile
    const [after] = await db
      .sql`select current_user as role, current_setting('request.jwt.claims', true) as claims, current_setting('request.jwt.claim.sub', true) as sub, auth.uid() as uid`;
    expect(after.role).toBe('postgres');
    expect(after.claims ?? '').toBe('');
    expect(after.sub ?? '').toBe('');
    expect(after.uid).toBeNull();
  });

  it('undoes every statement when one fails, and reports that failure', async () => {
    const user = await createUser();
    await expect(db.statementsAsUser(claimsOf(user.id), [sample('a'), sqlText`select 1 / 0`])).rejects.toMatchObject({
      code: '22012',
    });
    expect(await samplesOf(user.id)).toEqual([]);
    // The connection is clean for the next caller.
    await db.statementsAsUser(claimsOf(user.id), [sample('b')]);
    expect(await samplesOf(user.id)).toEqual(['b']);
  });

  it('rolls back a transaction whose handler returned while a statement it never awaited failed', async () => {
    const user = await createUser();
    let unawaited: unknown;
    await expect(
      db.withUser(claimsOf(user.id), async (tx) => {
        await sampleIn(tx, 'a');
        void tx`select 1 / 0`.execute().catch((err) => void (unawaited = err));
        return 'done';
      }),
    ).rejects.toThrow(/rolled back/);
    expect(unawaited).toMatchObject({ code: '22012' });
    expect(await samplesOf(user.id)).toEqual([]);
  });

  it('rolls back everything when the handler throws, and keeps what a savepoint did not undo', async () => {
    const user = await createUser();
    await expect(db.withUser(claimsOf(user.id), async (tx) => {
      await sampleIn(tx, 'a');
      throw new Error('handler failed');
    })).rejects.toThrow('handler failed');
    expect(await samplesOf(user.id)).toEqual([]);

    await db.withUser(claimsOf(user.id), async (tx) => {
      await sampleIn(tx, 'a');
      await expect(tx.savepoint(async (sp) => {
        await sampleIn(sp, 'b');
        throw new Error('item failed');
      })).rejects.toThrow('item failed');
      await tx.savepoint(async (sp) => sampleIn(sp, 'c'));
    });
    expect(await samplesOf(user.id)).toEqual(['a', 'c']);
  });

  it('draws no notice from the server, whether a transaction commits or fails, and leaves its connection usable', async () => {
    const notices: string[] = [];
    const watched = createDb(
      loadConfig({
        SUPABASE_URL: stackEnv().apiUrl,
        SUPABASE_DB_URL: stackEnv().dbUrl,
        JWT_SECRET: stackEnv().jwtSecret,
        DB_POOL_MAX: '1',
      }),
      {
        onNotice: (n) => notices.push(`${n.severity}: ${n.message}`),
      },
    );
    try {
      const user = await createUser();
      await watched.statementsAsUser(claimsOf(user.id), [sample('a')]);
      await watched.withUser(claimsOf(user.id), async (tx) => sampleIn(tx, 'b'));
      await expect(watched.statementsAsUser(claimsOf(user.id), [sample('c'), sqlText`select 1 / 0`])).rejects
        .toMatchObject({ code: '22012' });
      await expect(watched.withUser(claimsOf(user.id), async (tx) => runText(tx, sqlText`select 1 / 0`))).rejects
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

  it('never runs a client transaction with a service role', async () => {
    await expect(db.statementsAsUser({ role: 'service_role' } as Claims, [sqlText`select 1`])).rejects.toThrow(
      /service_role/,
    );
  });
});
