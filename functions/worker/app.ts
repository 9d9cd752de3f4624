// The job worker: POST /worker/run claims and runs jobs within a time budget. Driven by pg_cron (where pg_net
// exists) and by the local loop of `npm start`; service-role callers only. The gateway's verify_jwt (config.toml)
// lets through a valid JWT or any of the project's API keys; this function then admits only the service role: an
// sb_secret_ key, the legacy service_role key, or a service_role JWT (service-auth.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { type AppDeps, createApp } from '../_shared/http/create-app.ts';
import { depsFromEnv, lazyFetch } from '../_shared/http/deps.ts';
import { registerFunctionHealth } from '../_shared/http/function-health.ts';
import { requireServiceRole } from '../_shared/http/middleware/service-auth.ts';
import { errorResponses, jsonContent } from '../_shared/http/openapi.ts';
import { productionHandlers } from './handlers.ts';
import { type Handlers, runWorker } from './runner.ts';

// Edge Functions get 150 s of wall clock (free plan); a run stops claiming well before.
const DEFAULT_BUDGET_MS = 25_000;

const RunRequest = z
  .object({
    queues: z.array(z.string()).optional(),
    max_jobs: z.number().int().min(1).max(10_000).optional(),
    job_ids: z
      .array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER))
      .min(1)
      .max(1000)
      .optional()
      .openapi({
        description: 'Run only these jobs, when due (e.g. one just re-queued with internal.retry_job); ' +
          'the rest wait for another run',
      }),
    budget_ms: z.number().int().min(100).max(120_000).default(DEFAULT_BUDGET_MS),
  })
  .strict()
  .default({ budget_ms: DEFAULT_BUDGET_MS });

const RunReport = z
  .object({
    worker: z.string(),
    claimed: z.number(),
    succeeded: z.number(),
    snoozed: z.number().openapi({ description: 'Jobs put back to poll again later' }),
    failed: z.number(),
    dead: z.number(),
    lost: z.number(),
    duration_ms: z.number(),
  })
  .openapi('WorkerRunReport');

const runRoute = createRoute({
  method: 'post',
  path: '/run',
  summary: 'Claim and run due jobs for up to budget_ms',
  middleware: [requireServiceRole('run the worker')] as const,
  request: { body: { required: false, content: { 'application/json': { schema: RunRequest } } } },
  responses: { 200: jsonContent(RunReport, 'What this run did'), ...errorResponses(400, 401, 403) },
});

export function createWorkerApp(deps: AppDeps, handlers: Handlers = productionHandlers(deps)) {
  const app = createApp('/worker', deps);
  registerFunctionHealth(app, 'worker');
  app.openapi(runRoute, async (c) => {
    const body = c.req.header('content-type')?.includes('json')
      ? c.req.valid('json')
      : { budget_ms: DEFAULT_BUDGET_MS };
    const report = await runWorker(c.var.db, handlers, {
      worker: `edge-${crypto.randomUUID().slice(0, 8)}`,
      queues: body.queues ?? null,
      budgetMs: body.budget_ms ?? DEFAULT_BUDGET_MS,
      batchSize: 10,
      leaseSeconds: 60,
      maxJobs: body.max_jobs,
      jobIds: body.job_ids,
    });
    return c.json(report, 200);
  });
  return app;
}

export const fetchHandler = lazyFetch(() => createWorkerApp(depsFromEnv()));
