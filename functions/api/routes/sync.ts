// POST /{app}/sync/pull: the caller's changes after a cursor, in version order, tombstones included.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';

const PullRequest = z
  .object({
    cursor: z.string().regex(/^\d{1,18}$/).default('0').openapi({ description: 'next_cursor of the previous pull; "0" for everything' }),
    tables: z.array(z.string().regex(/^[a-z_]+\.[a-z_]+$/)).max(50).optional(),
    limit: z.number().int().min(1).max(1000).default(500),
  })
  .strict()
  .openapi('SyncPull');

const Change = z
  .object({
    table: z.string(),
    op: z.enum(['upsert', 'delete']),
    version: z.string().openapi({ description: 'Server version of the row (a decimal string: it can exceed 2^53)' }),
    row: z.record(z.string(), z.unknown()),
  })
  .openapi('SyncChange');

const PullResponse = z
  .object({ changes: z.array(Change), next_cursor: z.string(), has_more: z.boolean() })
  .openapi('SyncPullResult');

const route = userRoute({
  method: 'post',
  path: '/{app}/sync/pull',
  tags: ['sync'],
  summary: 'Changes after a cursor, in order, tombstones included (410 RESYNC_REQUIRED when the cursor is too old)',
  request: { params: AppParam, body: jsonBody(PullRequest) },
  responses: { 200: jsonContent(PullResponse, 'One page of changes'), 410: jsonContent(z.any(), 'RESYNC_REQUIRED: pull again from "0"') },
});

export function registerSyncRoutes(app: HoutaiApp) {
  app.openapi(route, async (c) => {
    const { app: appId } = c.req.valid('param');
    const { cursor, tables, limit } = c.req.valid('json');
    const rows = await c.var.db.withUser(currentUser(c), (tx) => tx<{ table_name: string; version: string; deleted: boolean; row_data: Record<string, unknown> }[]>`
      select table_name, version::text as version, deleted, row_data from public.sync_pull(${appId}, ${cursor}::bigint, ${tables ?? null}, ${limit + 1})`);
    const page = rows.slice(0, limit);
    return c.json({
      changes: page.map((r) => ({ table: r.table_name, op: r.deleted ? ('delete' as const) : ('upsert' as const), version: r.version, row: r.row_data })),
      next_cursor: page.length ? page[page.length - 1].version : cursor,
      has_more: rows.length > limit,
    }, 200);
  });
}
