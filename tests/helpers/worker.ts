// Real workers for the jobs a test's requests enqueued: the deployed worker (POST /functions/v1/worker/run through
// the gateway, with the stack's settings) or the worker app in-process with settings of the test's choosing. Each
// run is limited to the test's own jobs (`job_ids`): other test files work the same queues at the same time, and
// neither side may take the other's jobs.
import { expect } from 'vitest';
import type { RunReport } from '../../functions/worker/runner.ts';
import { adminSql } from './db.ts';
import { stackEnv } from './stack.ts';

/** What one run did, as POST /run answers it. */
export type WorkerReport = RunReport;

/** One POST /run of a worker, limited to these jobs. */
export type WorkerRun = (jobIds: number[]) => Promise<WorkerReport>;

const runRequest = (jobIds: number[]): RequestInit => ({
  method: 'POST',
  headers: { authorization: `Bearer ${stackEnv().serviceRoleKey}`, 'content-type': 'application/json' },
  body: JSON.stringify({ job_ids: jobIds, budget_ms: 10_000 }),
});

async function report(res: Response): Promise<WorkerReport> {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as WorkerReport;
}

/** The worker function the stack serves, called as pg_cron calls it. */
export const deployedWorker: WorkerRun = async (jobIds) =>
  report(await fetch(`${stackEnv().apiUrl}/functions/v1/worker/run`, runRequest(jobIds)));

/** An in-process worker app (tests/helpers/in-process.ts inProcessWorker). */
export const workerApp =
  (worker: { request(path: string, init?: RequestInit): Response | Promise<Response> }): WorkerRun => async (jobIds) =>
    report(await worker.request('/run', runRequest(jobIds)));

export interface JobRow {
  id: number;
  status: string;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  last_error: string | null;
}

/** The job of an AI or emoji task: both are enqueued with the task id as their job key. */
export async function jobOf(taskId: string): Promise<JobRow> {
  const [job] = await adminSql()<JobRow[]>`
    select id::int, status, attempts, max_attempts, run_at, last_error from internal.jobs where job_key = ${taskId}`;
  expect(job, `no job for task ${taskId}`).toBeDefined();
  return job;
}

/**
 * Runs the task's job until `done()` holds, waiting out the snoozes in between (a video task is polled every
 * poll interval). Returns each run's report. Gives up (throws) after `limitMs` or when the job has ended without.
 */
export async function runUntil(
  run: WorkerRun,
  taskId: string,
  done: () => Promise<boolean>,
  limitMs = 20_000,
): Promise<WorkerReport[]> {
  const reports: WorkerReport[] = [];
  const giveUpAt = Date.now() + limitMs;
  for (;;) {
    const job = await jobOf(taskId);
    reports.push(await run([job.id]));
    if (await done()) return reports;
    const after = await jobOf(taskId);
    if (after.status === 'succeeded' || after.status === 'dead') {
      throw new Error(
        `job ${after.id} ended ${after.status} (${after.last_error ?? 'no error'}) before the task was done`,
      );
    }
    if (Date.now() > giveUpAt) {
      const claimed = reports.reduce((n, r) => n + r.claimed, 0);
      throw new Error(
        `task ${taskId} not done after ${limitMs} ms: ${reports.length} runs claimed its job ${claimed} times; ` +
          `job now ${JSON.stringify(after)}`,
      );
    }
    await untilDue(after);
  }
}

const ended = (status: string | undefined) => status === 'completed' || status === 'failed';
/** `done` for runUntil: the AI task has completed or failed. */
export const aiTaskFinished = (taskId: string) => async () =>
  ended((await adminSql()`select status from public.ai_tasks where id = ${taskId}`)[0]?.status);
/** `done` for runUntil: the emoji task has completed or failed. */
export const emojiTaskFinished = (taskId: string) => async () =>
  ended((await adminSql()`select status from pickitchen.emoji_tasks where id = ${taskId}`)[0]?.status);

/** Waits until the job is due (a snooze or a short backoff has passed), and a moment more; at most 2 s. */
export async function untilDue(job: Pick<JobRow, 'run_at'>): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.min(Math.max(job.run_at.getTime() - Date.now(), 0) + 100, 2000)));
}

/** The backoff after a failed attempt elapses: the job is due now (retries wait 2^attempts seconds). */
export async function backoffElapses(jobId: number): Promise<void> {
  await adminSql()`update internal.jobs set run_at = now() where id = ${jobId} and status = 'failed'`;
}

/** The lease of the worker holding the job runs out (leases are 60 s): another worker may claim it now. */
export async function leaseRunsOut(jobId: number): Promise<void> {
  await adminSql()`
    update internal.jobs set locked_until = now() - interval '1 second' where id = ${jobId} and status = 'running'`;
}
