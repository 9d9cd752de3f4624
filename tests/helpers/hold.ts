// Holds a request's transaction on the server at a chosen write until the test lets it go, so a test can line a
// second request up behind the first at a known point, deterministically (no sleeps, no timeouts that may fire
// before or after the server's commit). A test-only trigger on the table waits, for the rows it matches, on an
// advisory lock this helper holds; Postgres's own lock table says when the request is held and when another
// backend is waiting behind it.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { queuedBehind } from './lock-waits.ts';
import { stackEnv } from './stack.ts';

export interface Hold {
  /** Waits until a backend is held at the write; its pid. */
  reached(): Promise<number>;
  /**
   * Waits until `count` other backends are waiting for locks the held backend (`pid`) holds, directly or in a queue.
   */
  queuedBehind(pid: number, count?: number): Promise<void>;
  /** Lets the held transaction go on. */
  release(): Promise<void>;
  /** Removes the trigger (releasing any hold). */
  drop(): Promise<void>;
}

const WAIT_MS = 15_000;

/** Polls `probe` until it answers something, for at most WAIT_MS. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${WAIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Holds every insert or update of `table` whose row satisfies `when` (SQL over `new`) until released. */
export async function holdWrites(table: string, when: string): Promise<Hold> {
  // One connection keeps the advisory lock for the hold's life; the other sets the trigger up and removes it.
  const sql = postgres(stackEnv().dbUrl, { max: 2, onnotice: () => {} });
  const holder = await sql.reserve();
  // A positive key below 2^62, seen in pg_locks as its high and low 32 bits.
  const key = randomBytes(8).readBigUInt64BE() >> 2n;
  const [high, low] = [Number(key >> 32n), Number(key & 0xffffffffn)];
  const trigger = `hold_${key.toString(16)}`;
  await holder`select pg_advisory_lock(${key.toString()}::bigint)`;
  await sql.begin(async (tx) => {
    // Other test files may create the function at the same moment.
    await tx`select pg_advisory_xact_lock(hashtext('tests/helpers/hold.ts'))`;
    await tx`create schema if not exists test_hold`;
    await tx`create or replace function test_hold.wait_for_release() returns trigger language plpgsql as $$
               begin perform pg_advisory_xact_lock(tg_argv[0]::bigint); return new; end $$`;
    await tx.unsafe(`create trigger ${trigger} before insert or update on ${table} for each row when (${when})
                     execute function test_hold.wait_for_release('${key}')`);
  });
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await holder`select pg_advisory_unlock(${key.toString()}::bigint)`;
  };
  return {
    reached: () =>
      until('a write reaching the hold', async () => {
        const [row] = await holder<{ pid: number }[]>`
          select pid from pg_locks
           where locktype = 'advisory' and not granted and classid = ${high} and objid = ${low} and objsubid = 1`;
        return row?.pid;
      }),
    queuedBehind: async (pid, count = 1) => {
      await until(`${count} backend(s) waiting behind the held one`, async () => {
        const n = await queuedBehind(pid);
        return n >= count ? n : undefined;
      });
    },
    release,
    drop: async () => {
      await release();
      holder.release();
      await sql.unsafe(`drop trigger if exists ${trigger} on ${table}`);
      await sql.end();
    },
  };
}
