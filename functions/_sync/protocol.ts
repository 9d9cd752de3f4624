// The sync protocol's operations as functions of (db, caller, app, request): pull, push and history. The platform's
// /{app}/sync/* routes call them, and so does an app that names them its own way (Quit Journey's sync/upload,
// sync/download, sync/merge), so there is one implementation of each.
import { z } from '@hono/zod-openapi';
import type { AppId } from '../_shared/apps.ts';
import type { Db } from '../_shared/db.ts';
import { ApiError } from '../_shared/errors.ts';
import { ApiErrorBody, checkedOneByOne } from '../_shared/http/openapi.ts';
import type { Claims } from '../_shared/jwt.ts';
import { decodeCursor, page } from '../_shared/pagination.ts';
import { InstallationId, JsonObject } from '../_shared/validation.ts';
import { IgnoredColumns, inSavepoint, invalidItem } from './item-outcome.ts';
import { SyncRow } from './sync-row.ts';

/** Mutations per push; more is a client bug or an abuse: 413. */
export const MAX_MUTATIONS = 500;

export const DeviceId = InstallationId.openapi({
  description: 'A stable public id of the app installation (never the device_id of device sign-in, which is a secret)',
});

const Cursor = z.string().regex(/^\d{1,18}$/);
const TableName = z.string().regex(/^[a-z_]+\.[a-z_]+$/);

export const PullRequest = z
  .object({
    device_id: DeviceId.optional().openapi({ description: "Records this pull in the device's sync status" }),
    cursor: Cursor.default('0').openapi({ description: 'next_cursor of the previous pull; "0" for everything' }),
    tables: z.array(TableName).max(50).optional(),
    limit: z.number().int().min(1).max(1000).default(500),
  })
  .strict()
  .openapi('SyncPull');
export type PullRequest = z.infer<typeof PullRequest>;

const Change = z
  .object({
    table: z.string(),
    op: z.enum(['upsert', 'delete']),
    version: z.string().openapi({ description: 'Server version of the row (a decimal string: it can exceed 2^53)' }),
    row: SyncRow,
  })
  .openapi('SyncChange');

export const PullResponse = z
  .object({ changes: z.array(Change), next_cursor: z.string(), has_more: z.boolean() })
  .openapi('SyncPullResult');

export const Mutation = z
  .object({
    mutation_id: z.uuid(),
    table: TableName,
    op: z.enum(['upsert', 'delete']),
    row: JsonObject.openapi({
      description: "The row: id and the columns to write (the table's grants decide which may be written)",
    }),
    base_version: Cursor.nullable().optional().openapi({
      description: 'The version the client last saw of this row; null for a new row',
    }),
  })
  .strict()
  .openapi('SyncMutation');

export const PushRequest = z
  .object({
    device_id: DeviceId,
    mutations: z.array(checkedOneByOne('SyncMutation')).min(1).openapi({
      description: 'Each checked on its own: a bad one is rejected in its result',
    }),
  })
  .strict()
  .openapi('SyncPush');

export const MutationResult = z
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
type MutationResult = z.infer<typeof MutationResult>;

export const PushResponse = z.object({ results: z.array(MutationResult) }).openapi('SyncPushResult');

/** Applies a device's mutations, each once (by mutation_id), by its table's conflict strategy; one result each. */
export async function pushMutations(
  db: Db,
  user: Claims,
  appId: AppId,
  { device_id, mutations }: { device_id: string; mutations: unknown[] },
): Promise<MutationResult[]> {
  if (mutations.length > MAX_MUTATIONS) {
    throw new ApiError('PAYLOAD_TOO_LARGE', `A push carries at most ${MAX_MUTATIONS} mutations; split it.`, [{
      field: 'mutations',
      message: `${mutations.length} > ${MAX_MUTATIONS}`,
    }]);
  }
  return await db.asUser(user, async (tx) => {
    await tx`select public.sync_touch_device(${appId}, ${device_id})`;
    const out: MutationResult[] = [];
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
        sp<[{ r: MutationResult }]>`
        select public.sync_push_mutation(${appId}, ${device_id}, ${m.mutation_id}, ${m.table}, ${m.op}, ${
          sp.json(m.row as never)
        }, ${m.base_version ?? null}::bigint) as r`);
      out.push(
        applied.ok ? applied.value[0].r : { mutation_id: m.mutation_id, status: 'rejected', error: applied.error },
      );
    }
    return out;
  });
}

/** One page of the caller's changes after a cursor, in version order, tombstones included. */
export async function pullChanges(
  db: Db,
  user: Claims,
  appId: AppId,
  { cursor, tables, limit, device_id }: PullRequest,
): Promise<z.infer<typeof PullResponse>> {
  const { rows, nextCursor } = await db.asUser(user, async (tx) => {
    const rows = await tx<
      { table_name: string; version: string; deleted: boolean; row_data: Record<string, unknown> }[]
    >`
      select table_name, version::text as version, deleted, row_data
        from public.sync_pull(${appId}, ${cursor}::bigint, ${tables ?? null}, ${limit + 1})`;
    const nextCursor = rows.length ? rows[Math.min(rows.length, limit) - 1].version : cursor;
    if (device_id) await tx`select public.sync_touch_device(${appId}, ${device_id}, ${nextCursor}::bigint)`;
    return { rows, nextCursor };
  });
  return {
    changes: rows.slice(0, limit).map((r) => ({
      table: r.table_name,
      op: r.deleted ? ('delete' as const) : ('upsert' as const),
      version: r.version,
      row: r.row_data as z.infer<typeof SyncRow>,
    })),
    next_cursor: nextCursor,
    has_more: rows.length > limit,
  };
}

export const HistoryEntry = z
  .object({
    mutation_id: z.string(),
    device_id: z.string(),
    table: z.string(),
    row_id: z.string().nullable(),
    op: z.enum(['upsert', 'delete']),
    status: z.enum(['applied', 'conflict']),
    version: z.string().nullable().openapi({ description: 'The version an applied mutation made' }),
    created_at: z.string(),
  })
  .openapi('SyncHistoryEntry');

export const HistoryPage = z
  .object({ items: z.array(HistoryEntry), next_cursor: z.string().nullable() })
  .openapi('SyncHistory');

const HistoryCursor = z.object({ at: z.string(), id: z.uuid() });

/** The caller's pushed mutations of the app's tables, newest first, one page (public.sync_history). */
export async function syncHistory(
  db: Db,
  user: Claims,
  appId: AppId,
  { limit, cursor }: { limit: number; cursor?: string },
): Promise<z.infer<typeof HistoryPage>> {
  const after = decodeCursor(cursor, HistoryCursor);
  const rows = await db.asUser(user, (tx) => [
    tx<(Omit<z.infer<typeof HistoryEntry>, 'table'> & { table_name: string; at: string })[]>`
      select mutation_id, device_id, table_name, row_id, op, status, version::text as version, created_at,
             to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
        from public.sync_history(${appId}, ${after?.at ?? null}::timestamptz, ${after?.id ?? null}::uuid, ${
      limit + 1
    })`,
  ]);
  const { items, next_cursor } = page(rows[0], limit, (last) => ({ at: last.at, id: last.mutation_id }));
  return { items: items.map(({ table_name, at: _at, ...e }) => ({ ...e, table: table_name })), next_cursor };
}
