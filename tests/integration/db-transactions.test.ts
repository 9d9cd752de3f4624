// The functions' transactions (functions/_shared/db.ts): pipelined on a reserved connection, they must still be
// all-or-nothing, run as the caller, leave nothing behind on the pooled connection, and honour a preamble's guard.
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

  it('refuses the transaction when the preamble\'s guard raises, after the preamble itself committed', async () => {
    const user = await createUser();
    const key = `test:guard:${randomUUID()}`;
    const refusing: Preamble = {
      // The gate takes a token from an empty bucket (capacity 0 is never allowed) and records a refusal.
      before: sqlText`select internal.rate_limit_gate('nonce-1', ${[key]}::text[], ${[1]}::integer[], ${[3600]}::integer[]) as retry`,
      guard: sqlText`internal.rate_limit_guard('nonce-2')`, // not the gate's nonce: refused whatever it said
      refusal: async (before, error) => new Error(`refused (${(error as { code: string }).code}) after ${(await before)[0].retry}`),
    };
    await expect(db.withPreamble(refusing).statementsAsUser(claimsOf(user.id), [sample('a')])).rejects.toThrow('refused (HT429) after 0');
    await expect(db.withPreamble(refusing).withUser(claimsOf(user.id), async (tx) => sampleIn(tx, 'a'))).rejects.toThrow(/refused \(HT429\) after \d+/);
    expect(await samplesOf(user.id)).toEqual([]);
    // The takes committed although the transactions did not: the bucket is empty now.
    const [bucket] = await adminSql()`select tokens from internal.rate_limit_buckets where key = ${key}`;
    expect(bucket.tokens).toBeLessThan(1);
  });

  it('sends a preamble with the first transaction only', async () => {
    const user = await createUser();
    let sent = 0;
    const counting: Preamble = {
      before: sqlText`select internal.rate_limit_gate('n', ${[`test:once:${randomUUID()}`]}::text[], ${[10]}::integer[], ${[60]}::integer[]) as retry`,
      guard: sqlText`internal.rate_limit_guard('n')`,
      onSent: () => sent++,
      refusal: async (_before, error) => error,
    };
    const once = db.withPreamble(counting);
    await once.withUser(claimsOf(user.id), async (tx) => sampleIn(tx, 'a'));
    await once.statementsAsUser(claimsOf(user.id), [sample('b')]);
    expect(sent).toBe(1);
    expect(await samplesOf(user.id)).toEqual(['a', 'b']);
  });

  it('never runs a client transaction with a service role', async () => {
    await expect(db.statementsAsUser({ role: 'service_role' } as Claims, [sqlText`select 1`])).rejects.toThrow(/service_role/);
  });
});
