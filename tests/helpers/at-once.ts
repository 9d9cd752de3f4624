// Retries that reach the server at the same moment. Firing requests together (Promise.all) is not enough on its own:
// on a busy machine the first can commit before the last is even read, and the test then proves only the sequential
// case. So a test holds a row lock that the requests' writes need, sends them, waits until every one of them is
// queued behind that lock (directly, or behind another request that is), and only then lets them all go. Each request
// has then either passed its own "done already?" check or is waiting at whatever makes it check again — which is
// exactly the race an idempotency guarantee must survive.
import type postgres from 'postgres';
import { adminSql } from './db.ts';
import { queuedBehind } from './lock-waits.ts';

/** Takes, in the holding transaction, a row lock that each request's effect needs. */
export type Gate = (sql: postgres.ReservedSql) => Promise<unknown>;

/** The user's sync clock: every write of one of their syncable rows takes its row lock (internal.sync_stamp). */
export const syncClockOf = (userId: string): Gate => async (sql) => {
  await sql`insert into internal.sync_clocks (user_id) values (${userId}) on conflict (user_id) do nothing`;
  await sql`select 1 from internal.sync_clocks where user_id = ${userId} for update`;
};

/** The user's auth.users row: every insert of a row referencing the user checks its key against it (FOR KEY SHARE). */
export const userRowOf = (userId: string): Gate => (sql) =>
  sql`select 1 from auth.users where id = ${userId} for update`;

const QUEUE_DEADLINE_MS = 15_000;

/**
 * Sends `count` requests while the gate is held and releases it once all of them wait behind it; returns their
 * answers in order. Fails when they do not all queue up: the gate is then not on their path, and the test would
 * prove nothing about concurrency.
 */
export async function sendAtOnce<T>(gate: Gate, count: number, send: (i: number) => Promise<T>): Promise<T[]> {
  // One gate at a time across test files: two gates holding their requests could between them take every connection
  // of a function's pool (30 on test stacks), each waiting for requests of its own that wait for a connection.
  const turn = await adminSql().reserve();
  try {
    await turn`select pg_advisory_lock(hashtext('tests: sendAtOnce'))`;
    return await whileHeld(gate, count, send);
  } finally {
    await turn`select pg_advisory_unlock_all()`;
    turn.release();
  }
}

async function whileHeld<T>(gate: Gate, count: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const holder = await adminSql().reserve();
  let settled: Promise<PromiseSettledResult<T>[]> | undefined;
  let queued = 0;
  try {
    await holder`begin`;
    await gate(holder);
    const [{ pid }] = await holder<{ pid: number }[]>`select pg_backend_pid() as pid`;
    settled = Promise.allSettled(Array.from({ length: count }, (_, i) => send(i)));
    const deadline = Date.now() + QUEUE_DEADLINE_MS;
    while ((queued = await queuedBehind(pid)) < count && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await holder`rollback`;
    holder.release();
  }
  const results = await settled!;
  if (queued < count) {
    throw new Error(`only ${queued} of ${count} requests queued behind the gate: it is not on their path`);
  }
  return results.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}
