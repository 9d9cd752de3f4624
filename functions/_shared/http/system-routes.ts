// Operational routes: health, the OpenAPI document and its docs page (public), and Prometheus metrics (the service
// role or METRICS_TOKEN: route names and latencies are reconnaissance for an attacker).
import { createRoute, z } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import type { HoutaiApp } from './create-app.ts';
import { errorResponses, jsonContent } from './openapi.ts';
import { registry } from './metrics.ts';
import { ApiError } from '../errors.ts';
import { requireServiceRole } from './middleware/service-auth.ts';
import { API_VERSION } from '../version.ts';
import { withTimeout } from '../timeout.ts';
import { scalarScript } from './docs-script.ts';
import { JsonObject } from '../validation.ts';

const HEALTH_TIMEOUT_MS = 2000;

const Health = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    time: z.string(),
    database: z.object({
      latency_ms: z.number().openapi({ description: 'Round trip of one query through the pool' }),
      migration: z.string().nullable().openapi({ description: 'Latest applied migration version' }),
    }),
    queue: z.object({
      depth: z.number().int(),
      dead: z.number().int(),
      last_heartbeat: z.string().nullable().openapi({ description: 'Last sign of life of any worker' }),
      queues: z.record(
        z.string(),
        z.object({ depth: z.number().int(), oldest_age_seconds: z.number().int().nullable(), dead: z.number().int() }),
      ),
    }),
  })
  .openapi('Health');

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['system'],
  summary: 'Liveness and database health',
  responses: {
    200: jsonContent(Health, 'The API and its database are up'),
    ...errorResponses(503),
  },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['system'],
  summary: 'Prometheus metrics: request count and latency by route and status',
  description:
    'For the scraper: `Authorization: Bearer <METRICS_TOKEN>` (or a secret key, `sb_secret_…`, on `apikey`, or the ' +
    'legacy service-role key). For local and self-hosted runs: the counters are those of the instance that answers, ' +
    'since it started. On Supabase each scrape reaches one of many short-lived isolates; query the per-request log ' +
    'lines (`"msg":"request"`) in the log explorer instead.',
  security: [{ metricsToken: [] }],
  middleware: [requireServiceRole('read metrics', { token: (c) => c.var.config.metricsToken })] as const,
  responses: {
    200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses(401, 403),
  },
});

const docsRoute = createRoute({
  method: 'get',
  path: '/docs',
  tags: ['system'],
  summary: 'Interactive API reference for this OpenAPI document',
  responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
});

// Relative to the docs page (…/api/v1/docs), as its `openapi.json` is.
const DOCS_SCRIPT_PATH = 'docs/scalar.js';

const docsScriptRoute = createRoute({
  method: 'get',
  path: `/${DOCS_SCRIPT_PATH}`,
  tags: ['system'],
  summary: "The docs page's script (Scalar API Reference), served here so the page needs no CDN",
  responses: { 200: { description: 'JavaScript', content: { 'text/javascript': { schema: z.string() } } } },
});

/** This document's top level; what lies below follows OpenAPI 3.1's own schema, shown here as JSON. */
const OpenApiDocument = z
  .object({
    openapi: z.string().openapi({ example: '3.1.0' }),
    info: z.object({ title: z.string(), version: z.string(), description: z.string() }),
    servers: z.array(z.object({ url: z.string(), description: z.string() })),
    components: JsonObject,
    paths: JsonObject,
    webhooks: JsonObject,
  })
  .openapi('OpenApiDocument');

const openapiRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['system'],
  summary: 'This API as an OpenAPI 3.1 document',
  responses: {
    200: { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: OpenApiDocument } } },
  },
});

export interface ApiInfo {
  title: string;
  description: string;
}

/** The OpenAPI 3.1 document of the app's routes, for the API served at `serverUrl` (a Supabase project URL). */
export function openApiDocument(app: HoutaiApp, info: ApiInfo, serverUrl: string) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: info.title, version: API_VERSION, description: info.description },
    servers: [{ url: `${serverUrl}/functions/v1`, description: 'Supabase Edge Functions' }],
  });
}

export function registerSystemRoutes(app: HoutaiApp, info: ApiInfo) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN (for the Prometheus scraper) or the service-role key; not a user token.',
  });
  app.openapi(healthRoute, async (c) => {
    const started = performance.now();
    type QueueStats = {
      depth: number;
      dead: number;
      last_heartbeat: string | null;
      queues: Record<string, { depth: number; oldest_age_seconds: number | null; dead: number }>;
    };
    let snapshot: { migration: string | null; queue_depth: number; queue?: QueueStats };
    try {
      snapshot = await withTimeout(
        c.var.db.asService((tx) => [tx<{ s: typeof snapshot }[]>`select internal.health_snapshot() as s`]).then((
          [[row]],
        ) => row.s),
        HEALTH_TIMEOUT_MS,
      );
    } catch (err) {
      // The cause goes to our log, not to the caller.
      console.error(JSON.stringify({ level: 'error', request_id: c.var.requestId, health: String(err) }));
      throw new ApiError('SERVICE_UNAVAILABLE', 'The database is unreachable.', [
        {
          code: 'database_unavailable',
          message: `no answer from the database within ${HEALTH_TIMEOUT_MS} ms or connection refused`,
        },
      ]);
    }
    return c.json(
      {
        status: 'ok' as const,
        version: API_VERSION,
        time: new Date().toISOString(),
        database: { latency_ms: Math.round((performance.now() - started) * 100) / 100, migration: snapshot.migration },
        queue: {
          depth: Number(snapshot.queue_depth),
          dead: Number(snapshot.queue?.dead ?? 0),
          last_heartbeat: snapshot.queue?.last_heartbeat ?? null,
          queues: snapshot.queue?.queues ?? {},
        },
      },
      200,
    );
  });

  app.openapi(
    metricsRoute,
    async (c) => c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }),
  );

  // Scalar is a plain Hono handler: register its path in the spec and mount it directly. Its script comes from
  // us (`cdn`), and no web fonts are loaded (they would come from Scalar's servers): the page needs nothing else.
  app.openAPIRegistry.registerPath(docsRoute);
  app.get(
    '/docs',
    Scalar({ url: 'openapi.json', pageTitle: info.title, cdn: DOCS_SCRIPT_PATH, withDefaultFonts: false }),
  );
  app.openapi(
    docsScriptRoute,
    async (c) =>
      c.body(await scalarScript(), 200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=86400',
      }),
  );

  // Generating the document walks every schema (milliseconds); the routes are fixed once the app is built.
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.openapi(openapiRoute, (c) => {
    document ??= openApiDocument(app, info, c.var.config.supabaseUrl);
    // The generator types its output loosely (every field optional); the document it made has them all.
    return c.json(document as unknown as z.infer<typeof OpenApiDocument>, 200);
  });
}
