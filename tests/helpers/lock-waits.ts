// Who is waiting behind a backend's locks: the one reading of Postgres' lock graph the race helpers (at-once.ts,
// hold.ts) use to know a request is lined up before they let the first one go.
import { adminSql } from './db.ts';

/** Backends waiting for the holder's locks, directly or through one another. */
export async function queuedBehind(holder: number): Promise<number> {
  const [{ n }] = await adminSql()<{ n: number }[]>`
    with recursive queued (pid) as (
      select a.pid from pg_catalog.pg_stat_activity a where ${holder}::int = any (pg_catalog.pg_blocking_pids(a.pid))
      union
      select a.pid from pg_catalog.pg_stat_activity a join queued q on q.pid = any (pg_catalog.pg_blocking_pids(a.pid))
    )
    select count(*)::int as n from queued`;
  return n;
}
