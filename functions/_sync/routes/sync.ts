// Sync protocol: pull (changes after a cursor, in version order, tombstones included), push (mutations applied
// once each by their table's conflict strategy) and status (what each device has seen, conflicts it owes).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import {
  ApiErrorBody,
  AppParam,
  checkedOneByOne,
  errorContent,
  jsonBody,
  jsonContent,
} from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import { IgnoredColumns, inSavepoint, invalidItem } from '../item-outcome.ts';
import { InstallationId, JsonObject } from '../../_shared/validation.ts';
import { SyncRow } from '../sync-row.ts';

/** Mutations per push; more is a client bug or an abuse: 413. */
export const MAX_MUTATIONS = 500;

const DeviceId = InstallationId.openapi({
  description: 'A stable public id of the app installation (never the device_id of device sign-in, which is a secret)',
});

const PullRequest = z
  .object({
    device_id: DeviceId.optional().openapi({ description: "Records this pull in the device's sync status" }),
    cursor: z.string().regex(/^\d{1,18}$/).default('0').openapi({
      description: 'next_cursor of the previous pull; "0" for everything',
    }),
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
    row: SyncRow,
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
  responses: {
    200: jsonContent(PullResponse, 'One page of changes'),
    410: errorContent('RESYNC_REQUIRED: pull again from "0"'),
  },
});

const Mutation = z
  .object({
    mutation_id: z.uuid(),
    table: z.string().regex(/^[a-z_]+\.[a-z_]+$/),
    op: z.enum(['upsert', 'delete']),
    row: JsonObject.openapi({
      description: "The row: id and the columns to write (the table's grants decide which may be written)",
    }),
    base_version: z.string().regex(/^\d{1,18}$/).nullable().optional().openapi({
      description: 'The version the client last saw of this row; null for a new row',
    }),
  })
  .strict()
  .openapi('SyncMutation');

const PushRequest = z
  .object({
    device_id: DeviceId,
    mutations: z.array(checkedOneByOne('SyncMutation')).min(1).openapi({
      description: 'Each checked on its own: a bad one is rejected in its result',
    }),
  })
  .strict()
  .openapi('SyncPush');

const MutationResult = z
  .object({
    mutation_id: z.string(),
    status: z.enum(['applied', 'conflict', 'rejected']),
    version: z.number().optional(),
    row: SyncRow.optional(),
    server_row: z.union([SyncRow, z.null()]).optional(),
    strategy: z.string().optional(),
    resolution: z.string().optional(),
    replayed: z.boolean().optional(),
    ignored: IgnoredColumns,
    error: ApiErrorBody.optional(),
  })
  .openapi('SyncMutationResult');

const pushRoute = userRoute({
  method: 'post',
  path: '/{app}/sync/push',
  tags: ['sync'],
  summary: "Apply the device's mutations, each once (by mutation_id), by its table's conflict strategy",
  request: { params: AppParam, body: jsonBody(PushRequest) },
  responses: { 200: jsonContent(z.object({ results: z.array(MutationResult) }), 'One result per mutation, in order') },
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
    const { app: appId } = c.req.valid('param');
    const { device_id, mutations } = c.req.valid('json');
    if (mutations.length > MAX_MUTATIONS) {
      throw new ApiError('PAYLOAD_TOO_LARGE', `A push carries at most ${MAX_MUTATIONS} mutations; split it.`, [{
        field: 'mutations',
        message: `${mutations.length} > ${MAX_MUTATIONS}`,
      }]);
    }
    const results = await c.var.db.asUser(currentUser(c), async (tx) => {
      await tx`select public.sync_touch_device(${appId}, ${device_id})`;
      const out: z.infer<typeof MutationResult>[] = [];
      for (const raw of mutations) {
        const parsed = Mutation.safeParse(raw);
        if (!parsed.success) {
          const id = (raw as { mutation_id?: unknown } | null)?.mutation_id;
          out.push({
            mutation_id: typeof id === 'string' ? id : '',
            status: 'rejected',
            error: invalidItem(parsed.error),
          });
          continue;
        }
        const m = parsed.data;
        const applied = await inSavepoint(tx, (sp) =>
          sp<[{ r: z.infer<typeof MutationResult> }]>`
          select public.sync_push_mutation(${appId}, ${device_id}, ${m.mutation_id}, ${m.table}, ${m.op}, ${
            sp.json(m.row as never)
          }, ${m.base_version ?? null}::bigint) as r`);
        out.push(
          applied.ok ? applied.value[0].r : { mutation_id: m.mutation_id, status: 'rejected', error: applied.error },
        );
      }
      return out;
    });
    return c.json({ results }, 200);
  });

  app.openapi(route, async (c) => {
    const { app: appId } = c.req.valid('param');
    const { cursor, tables, limit, device_id } = c.req.valid('json');
    const { rows, nextCursor } = await c.var.db.asUser(currentUser(c), async (tx) => {
      const rows = await tx<
        { table_name: string; version: string; deleted: boolean; row_data: Record<string, unknown> }[]
      >`
        select table_name, version::text as version, deleted, row_data
          from public.sync_pull(${appId}, ${cursor}::bigint, ${tables ?? null}, ${limit + 1})`;
      const nextCursor = rows.length ? rows[Math.min(rows.length, limit) - 1].version : cursor;
      if (device_id) await tx`select public.sync_touch_device(${appId}, ${device_id}, ${nextCursor}::bigint)`;
      return { rows, nextCursor };
    });
    const page = rows.slice(0, limit);
    return c.json({
      changes: page.map((r) => ({
        table: r.table_name,
        op: r.deleted ? ('delete' as const) : ('upsert' as const),
        version: r.version,
        row: r.row_data,
      })),
      next_cursor: nextCursor,
      has_more: rows.length > limit,
    }, 200);
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
