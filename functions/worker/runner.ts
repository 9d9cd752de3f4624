// One worker run: claim due jobs, run each queue's handler, record the outcome, until the time budget (kept
// well inside the Edge Functions wall-clock limit) or the queue runs dry. Handlers must be safe to run twice:
// a worker that dies mid-job loses its lease and another runs the job again.
import type { Db } from '../_shared/db.ts';
import { claim, complete, fail, type Handlers, heartbeat, JobSnooze, snooze } from '../_shared/queue.ts';

export type { Handlers, JobHandler } from '../_shared/queue.ts';

export interface RunOptions {
  worker: string;
  queues?: string[] | null;
  budgetMs: number;
  batchSize: number;
  leaseSeconds: number;
  maxJobs?: number;
  /** Run only these jobs (when due); the rest of the queue waits for another run. */
  jobIds?: number[];
}

export interface RunReport {
  worker: string;
  claimed: number;
  succeeded: number;
  snoozed: number;
  failed: number;
  dead: number;
  lost: number;
  duration_ms: number;
}

export async function runWorker(db: Db, handlers: Handlers, opts: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const report: RunReport = {
    worker: opts.worker,
    claimed: 0,
    succeeded: 0,
    snoozed: 0,
    failed: 0,
    dead: 0,
    lost: 0,
    duration_ms: 0,
  };
  const queues = opts.queues ?? Object.keys(handlers);
  await heartbeat(db.sql, opts.worker);
  while (Date.now() - started < opts.budgetMs && (opts.maxJobs === undefined || report.claimed < opts.maxJobs)) {
    const limit = Math.min(opts.batchSize, opts.maxJobs === undefined ? opts.batchSize : opts.maxJobs - report.claimed);
    const jobs = await claim(db.sql, opts.worker, queues, limit, opts.leaseSeconds, opts.jobIds ?? null);
    if (jobs.length === 0) break;
    report.claimed += jobs.length;
    for (const job of jobs) {
      const handler = handlers[job.queue];
      try {
        if (!handler) throw new Error(`no handler for queue ${job.queue}`);
        const result = await handler(job, { db, worker: opts.worker });
        if (result instanceof JobSnooze) {
          if (await snooze(db.sql, opts.worker, job.id, result.runAt)) report.snoozed++;
          else report.lost++;
        } else if (await complete(db.sql, opts.worker, job.id, result ?? null)) report.succeeded++;
        else report.lost++;
      } catch (err) {
        const outcome = await fail(db.sql, opts.worker, job.id, err instanceof Error ? err.message : String(err));
        report[outcome === 'failed' ? 'failed' : outcome === 'dead' ? 'dead' : 'lost']++;
      }
    }
    await heartbeat(db.sql, opts.worker);
  }
  report.duration_ms = Date.now() - started;
  return report;
}
