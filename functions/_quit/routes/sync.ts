// Quit Journey's sync endpoints by the names of the app's API design, each one of the platform's sync operations
// (functions/_sync/protocol.ts): upload = push, download = pull, merge = push of rows the client resolved on top of
// the server's version. `GET /quit/sync/status` and `GET /quit/sync/history` are the platform's own routes.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { errorContent, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { JsonObject } from '../../_shared/validation.ts';
import { validationFailed } from '../../_shared/errors.ts';
import {
  DeviceId,
  pullChanges,
  PullRequest,
  PullResponse,
  pushMutations,
  PushRequest,
  PushResponse,
} from '../../_sync/protocol.ts';

const tags = ['quit', 'sync'];

const DownloadQuery = z.object({
  device_id: PullRequest.shape.device_id,
  cursor: PullRequest.shape.cursor,
  tables: z.string().max(1000).optional().openapi({ description: 'Comma-separated, e.g. quit.checkins,quit.profiles' }),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

const Resolution = z
  .object({
    mutation_id: z.uuid().openapi({ description: 'A new id for this resolution (a retry sends the same one)' }),
    table: z.string().regex(/^quit\.[a-z_]+$/),
    row: JsonObject.openapi({ description: 'The merged row: id and the columns as the user resolved them' }),
    server_version: z.string().regex(/^\d{1,18}$/).openapi({
      description: 'The server_row version the conflict reported: the merge applies on top of it, or conflicts again ' +
        'if the row changed since',
    }),
  })
  .strict();

const MergeRequest = z
  .object({ device_id: DeviceId, resolutions: z.array(Resolution).min(1).max(500) })
  .strict()
  .openapi('QuitSyncMerge');

const routes = {
  upload: userRoute({
    method: 'post',
    path: '/quit/sync/upload',
    tags,
    summary: "Upload local changes: the platform's sync push (each mutation once, by its table's strategy)",
    request: { body: jsonBody(PushRequest) },
    responses: { 200: jsonContent(PushResponse, 'One result per mutation, in order') },
  }),
  download: userRoute({
    method: 'get',
    path: '/quit/sync/download',
    tags,
    summary: "Download the cloud's changes after a cursor: the platform's sync pull",
    request: { query: DownloadQuery },
    responses: {
      200: jsonContent(PullResponse, 'One page of changes'),
      410: errorContent('RESYNC_REQUIRED: download again from cursor "0"'),
    },
  }),
  merge: userRoute({
    method: 'post',
    path: '/quit/sync/merge',
    tags,
    summary: 'Send rows resolved after a conflict, on top of the server version the conflict reported',
    request: { body: jsonBody(MergeRequest) },
    responses: { 200: jsonContent(PushResponse, 'One result per resolution, in order') },
  }),
};

export function registerQuitSyncRoutes(app: HoutaiApp) {
  app.openapi(routes.upload, async (c) => {
    return c.json({ results: await pushMutations(c.var.db, currentUser(c), 'quit', c.req.valid('json')) }, 200);
  });

  app.openapi(routes.download, async (c) => {
    const { tables, ...query } = c.req.valid('query');
    const parsed = PullRequest.safeParse({ ...query, ...(tables ? { tables: tables.split(',') } : {}) });
    if (!parsed.success) throw validationFailed(parsed.error, 'query');
    const request = parsed.data;
    return c.json(await pullChanges(c.var.db, currentUser(c), 'quit', request), 200);
  });

  app.openapi(routes.merge, async (c) => {
    const { device_id, resolutions } = c.req.valid('json');
    const mutations = resolutions.map((r) => ({
      mutation_id: r.mutation_id,
      table: r.table,
      op: 'upsert',
      row: r.row,
      base_version: r.server_version,
    }));
    return c.json({ results: await pushMutations(c.var.db, currentUser(c), 'quit', { device_id, mutations }) }, 200);
  });
}
