// The functions' transactions (functions/_shared/db.ts): pipelined on a reserved connection, they must still be
// all-or-nothing, run as the caller, leave nothing behind on the pooled connection, and run nothing a refusing
// preamble stopped.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, runText, type Preamble, type Tx } from '../../functions/_shared/db.ts';
import { sqlText } from '../../functions/_shared/sql-text.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import type { Claims } from '../../functions/_shared/jwt.ts';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

describe('database transactions', () => {
  // One connection, so every transaction and every check after it meets the same session.
  const db = createDb(loadConfig({ SUPABASE_URL: stackEnv().apiUrl, SUPABASE_DB_URL: stackEnv().dbUrl, JWT_SECRET: stackEnv().jwtSecret, DB_POOL_MAX: '1' }));
  afterAll(() => db.end());
  const claimsOf = (id: string) => ({ sub: id, role: 'authenticated' }) as Claims;
  // A row the caller may insert under RLS, marked by its title.
  const sample = (title: string) => sqlText<{ id: string }>`insert into public.sync_samples (id, title) values (${randomUUID()}, ${title}) returning id`;
  const sampleIn = (tx: Tx, title: string) => runText(tx, sample(title));
  const samplesOf = async (userId: string) =>
    (await adminSql()<{ title: string }[]>`select title from public.sync_samples where user_id = ${userId} order by title`).map((r) => r.title);

  it('runs statements as the caller in one go, and leaves no role or claims on the connection', async () => {
    const user = await createUser();
    const [[who], [other]] = await db.statementsAsUser(claimsOf(user.id), [
      sqlText<{ role: string; uid: string }>`select current_user as role, auth.uid() as uid`,
      sqlText<{ n: number }>`select count(*)::int as n from public.profiles`,
    ]);
    expect(who).toEqual({ role: 'authenticated', uid: user.id });
    expect(other.n).toBe(1); // RLS: only the caller's own profile
    const [after] = await db.sql`select current_user as role, current_setting('request.jwt.claims', true) as claims, current_setting('request.jwt.claim.sub', true) as sub, auth.uid() as uid`;
    expect(after.role).toBe('postgres');
    expect(after.claims ?? '').toBe('');
    expect(after.sub ?? '').toBe('');
    expect(after.uid).toBeNull();
  });

  it('undoes every statement when one fails, and reports that failure', async () => {
    const user = await createUser();
    await expect(db.statementsAsUser(claimsOf(user.id), [sample('a'), sqlText`select 1 / 0`])).rejects.toMatchObject({ code: '22012' });
    expect(await samplesOf(user.id)).toEqual([]);
    // The connection is clean for the next caller.
    await db.statementsAsUser(claimsOf(user.id), [sample('b')]);
    expect(await samplesOf(user.id)).toEqual(['b']);
  });

  it('rolls back a transaction whose handler returned while a statement it never awaited failed', async () => {
    const user = await createUser();
    await expect(
      db.withUser(claimsOf(user.id), async (tx) => {
        await sampleIn(tx, 'a');
        void tx`select 1 / 0`.execute().catch(() => {});
        return 'done';
      }),
    ).rejects.toThrow(/rolled back/);
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
      await tx.savepoint(async (sp) => {
        await sampleIn(sp, 'b');
        throw new Error('item failed');
      }).catch(() => {});
      await tx.savepoint(async (sp) => sampleIn(sp, 'c'));
    });
    expect(await samplesOf(user.id)).toEqual(['a', 'c']);
  });

  const gate = (key: string, capacity: number) => sqlText`select internal.rate_limit_gate(${[key]}::text[], ${[capacity]}::integer[], ${[3600]}::integer[])`;
  const tokensOf = async (key: string) => (await adminSql()`select tokens from internal.rate_limit_buckets where key = ${key}`)[0]?.tokens;

  it('runs nothing of a transaction whose preamble refused, on either path', async () => {
    const user = await createUser();
    const key = `test:refuse:${randomUUID()}`;
    const refusing = (): Preamble => ({ before: gate(key, 1), refusal: (e) => new Error(`refused ${(e as { code: string }).code} retry ${(e as { detail: string }).detail}`) });
    await db.withPreamble(refusing()).statementsAsUser(claimsOf(user.id), [sample('a')]); // the bucket's one token
    await expect(db.withPreamble(refusing()).statementsAsUser(claimsOf(user.id), [sample('b')])).rejects.toThrow('refused HT429 retry 3600');
    let ran = false;
    await expect(db.withPreamble(refusing()).withUser(claimsOf(user.id), async (tx) => {
      ran = true;
      return sampleIn(tx, 'c');
    })).rejects.toThrow('refused HT429 retry 3600');
    expect(ran).toBe(false);
    expect(await samplesOf(user.id)).toEqual(['a']);
    // The connection is clean afterwards: no role, and no transaction left open (now() would stand still in one).
    const [first] = await db.sql`select current_user as role, now()::text as at`;
    await new Promise((r) => setTimeout(r, 5));
    const [second] = await db.sql`select now()::text as at`;
    expect(first.role).toBe('postgres');
    expect(second.at).not.toBe(first.at);
  });

  it('keeps the preamble\'s take when the transaction after it fails', async () => {
    const user = await createUser();
    const key = `test:kept:${randomUUID()}`;
    const taking = (): Preamble => ({ before: gate(key, 10), refusal: (e) => e });
    await expect(db.withPreamble(taking()).statementsAsUser(claimsOf(user.id), [sample('a'), sqlText`select 1 / 0`])).rejects.toMatchObject({ code: '22012' });
    await expect(db.withPreamble(taking()).withUser(claimsOf(user.id), async (tx) => {
      await sampleIn(tx, 'b');
      throw new Error('handler failed');
    })).rejects.toThrow('handler failed');
    expect(await samplesOf(user.id)).toEqual([]);
    expect(await tokensOf(key)).toBeCloseTo(8, 0);
  });

  it('draws no notice from the server behind a preamble, whether the transaction commits, fails or is refused', async () => {
    const notices: string[] = [];
    const watched = createDb(loadConfig({ SUPABASE_URL: stackEnv().apiUrl, SUPABASE_DB_URL: stackEnv().dbUrl, JWT_SECRET: stackEnv().jwtSecret, DB_POOL_MAX: '1' }), {
      onNotice: (n) => notices.push(`${n.severity}: ${n.message}`),
    });
    try {
      const user = await createUser();
      const key = `test:quiet:${randomUUID()}`;
      const taking = (): Preamble => ({ before: gate(key, 10), refusal: (e) => e });
      await watched.withPreamble(taking()).statementsAsUser(claimsOf(user.id), [sample('a')]);
      await watched.withPreamble(taking()).withUser(claimsOf(user.id), async (tx) => sampleIn(tx, 'b'));
      await expect(watched.withPreamble(taking()).statementsAsUser(claimsOf(user.id), [sqlText`select 1 / 0`])).rejects.toMatchObject({ code: '22012' });
      await expect(watched.withPreamble(taking()).withUser(claimsOf(user.id), async (tx) => runText(tx, sqlText`select 1 / 0`))).rejects.toMatchObject({ code: '22012' });
      // A bucket of one token: the first request spends it, the next two are refused.
      const single = `test:quiet-one:${randomUUID()}`;
      const refusing = (): Preamble => ({ before: gate(single, 1), refusal: (e) => e });
      await watched.withPreamble(refusing()).statementsAsUser(claimsOf(user.id), [sample('c')]);
      await expect(watched.withPreamble(refusing()).statementsAsUser(claimsOf(user.id), [sample('d')])).rejects.toMatchObject({ code: 'HT429' });
      await expect(watched.withPreamble(refusing()).withUser(claimsOf(user.id), async (tx) => sampleIn(tx, 'e'))).rejects.toMatchObject({ code: 'HT429' });
      expect(await samplesOf(user.id)).toEqual(['a', 'b', 'c']);
      expect(await tokensOf(key)).toBeCloseTo(6, 0);
      // Still usable: no block was left open or aborted on its one connection.
      const [{ n }] = await watched.sql`select 1 as n`;
      expect(n).toBe(1);
      expect(notices).toEqual([]);
    } finally {
      await watched.end();
    }
  });

  it('sends a preamble with the first transaction only', async () => {
    const user = await createUser();
    const key = `test:once:${randomUUID()}`;
    let sent = 0;
    const once = db.withPreamble({ before: gate(key, 10), onSent: () => sent++, refusal: (e) => e });
    await once.withUser(claimsOf(user.id), async (tx) => sampleIn(tx, 'a'));
    await once.statementsAsUser(claimsOf(user.id), [sample('b')]);
    expect(sent).toBe(1);
    expect(await samplesOf(user.id)).toEqual(['a', 'b']);
    expect(await tokensOf(key)).toBeCloseTo(9, 0);
  });

  it('never runs a client transaction with a service role', async () => {
    await expect(db.statementsAsUser({ role: 'service_role' } as Claims, [sqlText`select 1`])).rejects.toThrow(/service_role/);
  });
});
