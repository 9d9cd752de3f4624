// The queue under two concurrent workers, a worker that dies mid-job, and the worker endpoint.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../functions/_shared/db.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { enqueue } from '../../functions/_shared/queue.ts';
import { type Handlers, runWorker } from '../../functions/worker/runner.ts';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';

const config = loadConfig({ SUPABASE_DB_URL: stackEnv().dbUrl, JWT_SECRET: stackEnv().jwtSecret, DB_POOL_MAX: '6' });
const db = createDb(config);
const scratch = postgres(stackEnv().dbUrl, { max: 4, onnotice: () => {} });
afterAll(async () => {
  await db.end();
  await scratch.end();
});

beforeAll(async () => {
  // A side-effect log outside the exposed schemas: one row per handler execution.
  await scratch`create schema if not exists test_scratch`;
  await scratch`
    create table if not exists test_scratch.side_effects (
      job_id bigint not null, worker text not null, at timestamptz default now())`;
});

const opts = (worker: string, queue: string, extra = {}) => ({
  worker,
  queues: [queue],
  budgetMs: 20_000,
  batchSize: 5,
  leaseSeconds: 30,
  ...extra,
});

describe('worker', () => {
  it('two concurrent workers run each of 200 jobs exactly once', async () => {
    const queue = `test.concurrent.${crypto.randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 200; i++) await enqueue(db.sql, queue, { i });
    const handlers: Handlers = {
      [queue]: async (job, ctx) => {
        await scratch`insert into test_scratch.side_effects (job_id, worker) values (${job.id}, ${ctx.worker})`;
        await new Promise((r) => setTimeout(r, Math.random() * 3));
      },
    };
    const [a, b] = await Promise.all([
      runWorker(db, handlers, opts('A', queue)),
      runWorker(db, handlers, opts('B', queue)),
    ]);
    expect(a.succeeded + b.succeeded).toBe(200);
    expect(a.succeeded).toBeGreaterThan(0);
    expect(b.succeeded).toBeGreaterThan(0);
    const counts = await scratch`
      select j.id, count(s.job_id)::int as runs
        from internal.jobs j left join test_scratch.side_effects s on s.job_id = j.id
       where j.queue = ${queue} group by j.id`;
    expect(counts).toHaveLength(200);
    expect(counts.every((r) => r.runs === 1)).toBe(true);
    const [{ n }] =
      await scratch`select count(*)::int as n from internal.jobs where queue = ${queue} and status = 'succeeded'`;
    expect(n).toBe(200);
  });

  it("a job whose worker stalls past its lease runs again; the late outcome is lost, the heir's stands", async () => {
    const queue = `test.stalled.${crypto.randomUUID().slice(0, 8)}`;
    const jobId = await enqueue(db.sql, queue, {});
    const record: Handlers[string] = async (job, ctx) => {
      await scratch`insert into test_scratch.side_effects (job_id, worker) values (${job.id}, ${ctx.worker})`;
      return { by: ctx.worker };
    };
    // The first worker does the work, then stalls (a hung provider call, a frozen instance) until released.
    let stalled = false;
    let release = () => {};
    const released = new Promise<void>((r) => (release = r));
    const late = runWorker(db, {
      [queue]: async (job, ctx) => {
        const result = await record(job, ctx);
        stalled = true;
        await released;
        return result;
      },
    }, opts('stalled', queue, { leaseSeconds: 1 }));
    while (!stalled) await new Promise((r) => setTimeout(r, 20));
    // Nobody else may take it while the lease holds.
    expect((await runWorker(db, { [queue]: record }, opts('early', queue))).claimed).toBe(0);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await runWorker(db, { [queue]: record }, opts('heir', queue))).toMatchObject({ claimed: 1, succeeded: 1 });
    release();
    expect(await late).toMatchObject({ claimed: 1, succeeded: 0, lost: 1 });
    const [job] = await adminSql()`select status, attempts, locked_by, result from internal.jobs where id = ${jobId}`;
    expect(job).toEqual({ status: 'succeeded', attempts: 2, locked_by: 'heir', result: { by: 'heir' } });
    // The handler ran twice: that is why handlers must be safe to run twice (the ledger's keys make charges so).
    const runs = await scratch`select worker from test_scratch.side_effects where job_id = ${jobId} order by at`;
    expect(runs.map((r) => r.worker)).toEqual(['stalled', 'heir']);
  });

  it('retries a failing job with backoff and keeps it as dead after max_attempts', async () => {
    const queue = `test.failing.${crypto.randomUUID().slice(0, 8)}`;
    const id = await enqueue(db.sql, queue, {}, { maxAttempts: 2 });
    const boom: Handlers = {
      [queue]: () => Promise.reject(new Error('provider down')),
    };
    expect(await runWorker(db, boom, opts('w', queue))).toMatchObject({ claimed: 1, failed: 1 });
    await adminSql()`update internal.jobs set run_at = now() where id = ${id}`;
    expect(await runWorker(db, boom, opts('w', queue))).toMatchObject({ claimed: 1, dead: 1 });
    const [job] = await adminSql()`select status, attempts, last_error from internal.jobs where id = ${id}`;
    expect(job).toEqual({ status: 'dead', attempts: 2, last_error: 'provider down' });
  });

  it('the worker endpoint runs for the service role only, and /health reports the queue', async () => {
    const { apiUrl, serviceRoleKey, anonKey } = stackEnv();
    const run = (key?: string) =>
      fetch(`${apiUrl}/functions/v1/worker/run`, {
        // A queue of its own: the real queues' jobs belong to the tests that drive them.
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ budget_ms: 500, queues: ['test.endpoint'] }),
      });
    expect((await run()).status).toBe(401);
    expect((await run(anonKey)).status).toBe(403);
    const ok = await run(serviceRoleKey);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ claimed: 0, succeeded: 0 });
    const queue = `test.health.${crypto.randomUUID().slice(0, 8)}`;
    await enqueue(db.sql, queue, {});
    const health = await (await fetch(`${apiUrl}/functions/v1/api/v1/health`)).json();
    expect(health.queue.queues[queue]).toEqual({ depth: 1, oldest_age_seconds: expect.any(Number), dead: 0 });
    const queues = Object.values(health.queue.queues as Record<string, { depth: number }>);
    expect(health.queue.depth).toBe(queues.reduce((sum, q) => sum + q.depth, 0));
    expect(health.queue.last_heartbeat).not.toBeNull();
  });

  it('the worker endpoint given job_ids claims only those jobs, and only once they are due', async () => {
    const { apiUrl, serviceRoleKey } = stackEnv();
    const queue = `test.scoped.${crypto.randomUUID().slice(0, 8)}`;
    const run = async (body: unknown) => {
      const res = await fetch(`${apiUrl}/functions/v1/worker/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceRoleKey}` },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const chosen = await enqueue(db.sql, queue, {});
    const other = await enqueue(db.sql, queue, {});
    const later = await enqueue(db.sql, queue, {}, { runAt: new Date(Date.now() + 3_600_000) });
    // The deployed worker has no handler for this queue: a claimed job fails its attempt, which is what shows it ran.
    expect(await run({ queues: [queue], job_ids: [chosen, later] })).toMatchObject({
      status: 200,
      body: { claimed: 1, failed: 1 },
    });
    const jobs =
      await adminSql()`select id::int, status, attempts from internal.jobs where queue = ${queue} order by id`;
    expect(jobs).toEqual([
      { id: chosen, status: 'failed', attempts: 1 },
      { id: other, status: 'queued', attempts: 0 },
      { id: later, status: 'queued', attempts: 0 },
    ]);
    expect((await run({ queues: [queue], job_ids: [] })).status).toBe(400);
    expect((await run({ queues: [queue], job_ids: [0] })).status).toBe(400);
  });
});
