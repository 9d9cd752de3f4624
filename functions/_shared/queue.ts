// The job queue from TypeScript: enqueue (inside any service transaction, so a job and the state that needs
// it commit together), and the worker's claim / complete / fail (see the job queue migration).
import type { Db, Sql, Tx } from './db.ts';

export interface Job {
  id: number;
  queue: string;
  payload: Record<string, unknown>;
  job_key: string | null;
  attempts: number;
  max_attempts: number;
}

/** A handler's answer "not done, look again at runAt": waiting on someone else, not a failed attempt. */
export class JobSnooze {
  constructor(readonly runAt: Date) {}
}

/** Runs one job; must be safe to run twice (a worker that dies mid-job loses its lease). Return a JobSnooze to poll. */
export type JobHandler = (job: Job, ctx: { db: Db; worker: string }) => Promise<unknown>;
export type Handlers = Record<string, JobHandler>;

export interface EnqueueOptions {
  /** The same queue and key twice is one job. */
  key?: string;
  runAt?: Date;
  priority?: number;
  maxAttempts?: number;
}

export async function enqueue(
  tx: Tx | Sql,
  queue: string,
  payload: Record<string, unknown>,
  opts: EnqueueOptions = {},
): Promise<number> {
  const [row] = await tx<[{ id: string }]>`
    select internal.enqueue_job(${queue}, ${tx.json(payload as never)}, ${opts.key ?? null}, ${opts.runAt ?? null},
                                ${opts.priority ?? 0}, ${opts.maxAttempts ?? 5}) as id`;
  return Number(row.id);
}

/** Leases up to `limit` due jobs of these queues (all when null), only those in `jobIds` when given. */
export async function claim(
  sql: Sql,
  worker: string,
  queues: string[] | null,
  limit: number,
  leaseSeconds: number,
  jobIds: number[] | null = null,
): Promise<Job[]> {
  const rows = await sql<
    Job[]
  >`select * from internal.claim_jobs(${worker}, ${queues}, ${limit}, ${leaseSeconds}, ${jobIds})`;
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function complete(sql: Sql, worker: string, id: number, result: unknown): Promise<boolean> {
  const [row] = await sql<[{ ok: boolean }]>`select internal.complete_job(${id}, ${worker}, ${
    sql.json((result ?? null) as never)
  }) as ok`;
  return row.ok;
}

export async function fail(sql: Sql, worker: string, id: number, error: string): Promise<'failed' | 'dead' | 'lost'> {
  const [row] = await sql<
    [{ outcome: 'failed' | 'dead' | 'lost' }]
  >`select internal.fail_job(${id}, ${worker}, ${error}) as outcome`;
  return row.outcome;
}

export async function snooze(sql: Sql, worker: string, id: number, runAt: Date): Promise<boolean> {
  const [row] = await sql<[{ ok: boolean }]>`select internal.snooze_job(${id}, ${worker}, ${runAt}) as ok`;
  return row.ok;
}

export async function heartbeat(sql: Sql, worker: string): Promise<void> {
  await sql`select internal.worker_heartbeat(${worker})`;
}
