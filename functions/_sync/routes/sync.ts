// Sync protocol: pull (changes after a cursor, in version order, tombstones included), push (mutations applied
// once each by their table's conflict strategy), status (what each device has seen, conflicts it owes) and history
// (the caller's pushed mutations, newest first). The operations themselves are in ../protocol.ts.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, errorContent, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { PageQuery } from '../../_shared/pagination.ts';
import {
  HistoryPage,
  Mutation,
  pullChanges,
  PullRequest,
  PullResponse,
  pushMutations,
  PushRequest,
  PushResponse,
  syncHistory,
} from '../protocol.ts';

const route = userRoute({
  method: 'post',
  path: '/{app}/sync/pull',
  tags: ['sync'],
  summary: 'Changes after a cursor, in order, tombstones included (410 RESYNC_REQUIRED when the cursor is too old)',
  request: { params: AppParam, body: jsonBody(PullRequest) },
  responses: {
    200: jsonContent(PullResponse, 'One page of changes'),
    410: errorContent('RESYNC_REQUIRED: pull again from "0"'),
  },
});

const pushRoute = userRoute({
  method: 'post',
  path: '/{app}/sync/push',
  tags: ['sync'],
  summary: "Apply the device's mutations, each once (by mutation_id), by its table's conflict strategy",
  request: { params: AppParam, body: jsonBody(PushRequest) },
  responses: { 200: jsonContent(PushResponse, 'One result per mutation, in order') },
});

const historyRoute = userRoute({
  method: 'get',
  path: '/{app}/sync/history',
  tags: ['sync'],
  summary: "The caller's pushed mutations of this app, newest first: device, table, row, op, outcome, version",
  request: { params: AppParam, query: PageQuery },
  responses: { 200: jsonContent(HistoryPage, 'One page, newest first') },
});

const DeviceStatus = z
  .object({
    device_id: z.string(),
    last_pull_cursor: z.string().nullable().openapi({ description: "next_cursor of the device's last pull" }),
    last_pull_at: z.string().nullable(),
    last_push_at: z.string().nullable(),
    behind: z.boolean().openapi({ description: 'The server has changes the device has not pulled yet' }),
    pending_conflicts: z.array(
      z.object({
        mutation_id: z.string(),
        table: z.string(),
        row_id: z.string(),
        server_version: z.string(),
        created_at: z.string(),
      }),
    ).openapi({
      description:
        'Manual-strategy conflicts this device has yet to resolve (by pushing the row again on top of server_version)',
    }),
  })
  .openapi('SyncDeviceStatus');

const statusRoute = userRoute({
  method: 'get',
  path: '/{app}/sync/status',
  tags: ['sync'],
  summary: 'Per device: the last pull cursor, the last push, pending conflicts',
  request: { params: AppParam },
  responses: {
    200: jsonContent(z.object({ devices: z.array(DeviceStatus) }), "The caller's devices, most recently active first"),
  },
});

export function registerSyncRoutes(app: HoutaiApp) {
  app.openAPIRegistry.register('SyncMutation', Mutation);
  app.openapi(pushRoute, async (c) => {
    const results = await pushMutations(c.var.db, currentUser(c), c.req.valid('param').app, c.req.valid('json'));
    return c.json({ results }, 200);
  });

  app.openapi(route, async (c) => {
    return c.json(await pullChanges(c.var.db, currentUser(c), c.req.valid('param').app, c.req.valid('json')), 200);
  });

  app.openapi(historyRoute, async (c) => {
    return c.json(await syncHistory(c.var.db, currentUser(c), c.req.valid('param').app, c.req.valid('query')), 200);
  });

  app.openapi(statusRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const devices = await c.var.db.asUser(currentUser(c), (tx) =>
      tx<z.infer<typeof DeviceStatus>[]>`
      select device_id, last_pull_cursor::text as last_pull_cursor, last_pull_at, last_push_at,
             last_pull_cursor is null or last_pull_cursor < server_version as behind, pending_conflicts
        from public.sync_status(${appId})`);
    return c.json({ devices }, 200);
  });
}
