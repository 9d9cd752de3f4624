// POST /{app}/sync/import: the one-time upload of a phone's local data, batch by batch. Each batch is applied
// once (a retry gets the stored report back), rows are reported one by one, and GET tells where to resume.
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
import { sha256Hex } from '../../_shared/digest.ts';
import { ALL_IMPORTERS, importerFor, importIdFor, importSources } from '../importers.ts';
import { importRowAsCaller } from '../importer.ts';
import { IgnoredColumns, inSavepoint, invalidItem, type ItemError } from '../item-outcome.ts';

/** Rows per batch; a bigger local store is sent in more batches. */
export const MAX_IMPORT_ROWS = 500;

const Source = z.string().regex(/^[a-z0-9_]{1,64}$/).openapi({
  description: '"rows" (records in table shape) or an app-specific local store, e.g. sample_local_todos',
});

const ImportRequest = z
  .object({
    source: Source,
    batch_no: z.number().int().min(1).max(1_000_000).openapi({
      description: '1, 2, 3 …: a retry sends the same number with the same rows',
    }),
    rows: z
      .array(checkedOneByOne(...ALL_IMPORTERS.map((i) => i.name)))
      .min(1)
      .openapi({
        description: "Records of the source's shape (rows: SyncImportTableRow), each checked on its own: " +
          'a bad one is rejected in its report',
      }),
  })
  .strict()
  .openapi('SyncImport');

const RowReport = z
  .object({
    index: z.number().int(),
    status: z.enum(['imported', 'skipped', 'rejected']),
    table: z.string().optional(),
    id: z.string().optional(),
    version: z.string().optional(),
    reason: z.string().optional(),
    ignored: IgnoredColumns,
    adjusted: z.array(z.string()).optional().openapi({
      description: 'What the server changed of the local record to keep it (a value outside the rules), one line each',
    }),
    error: ApiErrorBody.optional(),
  })
  .openapi('SyncImportRowReport');
type RowReport = z.infer<typeof RowReport>;

const ImportResult = z
  .object({
    source: z.string(),
    batch_no: z.number().int(),
    imported: z.number().int(),
    skipped: z.number().int(),
    rejected: z.number().int(),
    replayed: z.boolean(),
    rows: z.array(RowReport),
  })
  .openapi('SyncImportResult');

const importRoute = userRoute({
  method: 'post',
  path: '/{app}/sync/import',
  tags: ['sync'],
  summary: 'Import one batch of local data (once per batch_no; a retry returns the same report)',
  request: { params: AppParam, body: jsonBody(ImportRequest) },
  responses: {
    200: jsonContent(ImportResult, "The batch's per-row report"),
    409: errorContent('CONFLICT: this batch_no was imported with other rows'),
  },
});

const batchesRoute = userRoute({
  method: 'get',
  path: '/{app}/sync/import/{source}',
  tags: ['sync'],
  summary: 'The batches of an import already done: resume after the last one',
  request: { params: AppParam.extend({ source: Source }) },
  responses: {
    200: jsonContent(
      z.object({
        source: z.string(),
        batches: z.array(
          z.object({
            batch_no: z.number().int(),
            imported: z.number().int(),
            skipped: z.number().int(),
            rejected: z.number().int(),
            created_at: z.string(),
          }),
        ),
      }),
      'Completed batches in order',
    ),
  },
});

const count = (report: RowReport[], status: RowReport['status']) => report.filter((r) => r.status === status).length;

export function registerSyncImportRoutes(app: HoutaiApp) {
  for (const i of ALL_IMPORTERS) app.openAPIRegistry.register(i.name, i.record);
  app.openapi(importRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const { source, batch_no, rows } = c.req.valid('json');
    const importer = importerFor(appId, source);
    if (!importer) {
      throw new ApiError('VALIDATION_FAILED', `Unknown import source for ${appId}.`, [{
        field: 'source',
        message: `one of: ${importSources(appId).join(', ')}`,
      }]);
    }
    if (rows.length > MAX_IMPORT_ROWS) {
      throw new ApiError(
        'PAYLOAD_TOO_LARGE',
        `An import batch carries at most ${MAX_IMPORT_ROWS} rows; send more batches.`,
        [{ field: 'rows', message: `${rows.length} > ${MAX_IMPORT_ROWS}` }],
      );
    }
    const user = currentUser(c);
    const digest = await sha256Hex(JSON.stringify(rows));
    const idFor = importIdFor(user.sub, appId, source);

    // The rows and the batch record commit together: a batch is either wholly done (and reported) or not at all.
    const { report, replayed } = await c.var.db.asUser(user, async (tx) => {
      const [{ done }] = await tx<
        [{ done: RowReport[] | null }]
      >`select public.sync_import_begin(${appId}, ${source}, ${batch_no}, ${digest}) as done`;
      if (done) return { report: done, replayed: true };
      const out: RowReport[] = [];
      for (const [index, raw] of rows.entries()) {
        const mapped = await importer.toRow(raw, { idFor, userId: user.sub });
        if (!mapped.ok) {
          out.push({ index, status: 'rejected', error: invalidItem(mapped.error) });
          continue;
        }
        if ('skipped' in mapped.value) {
          out.push({ index, status: 'skipped', reason: mapped.value.skipped });
          continue;
        }
        const value = mapped.value;
        const { table, row } = value;
        const applied = await inSavepoint(tx, (sp) => (importer.apply ?? importRowAsCaller)(sp, appId, value));
        out.push(
          applied.ok
            ? { index, table, ...applied.value }
            : { index, table, id: row.id, status: 'rejected', error: applied.error satisfies ItemError },
        );
      }
      await tx`select public.sync_import_finish(${appId}, ${source}, ${batch_no}, ${digest}, ${tx.json(out as never)})`;
      return { report: out, replayed: false };
    });
    return c.json({
      source,
      batch_no,
      replayed,
      rows: report,
      imported: count(report, 'imported'),
      skipped: count(report, 'skipped'),
      rejected: count(report, 'rejected'),
    }, 200);
  });

  app.openapi(batchesRoute, async (c) => {
    const { app: appId, source } = c.req.valid('param');
    const batches = await c.var.db.asUser(
      currentUser(c),
      (tx) =>
        tx<{ batch_no: number; imported: number; skipped: number; rejected: number; created_at: string }[]>`
      select batch_no, imported, skipped, rejected, created_at from public.sync_import_batches(${appId}, ${source})`,
    );
    return c.json({ source, batches }, 200);
  });
}
