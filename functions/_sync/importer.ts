// The shape of an import source (importers.ts lists them): how one local record is checked, becomes a row, and is
// written.
import type { z } from '@hono/zod-openapi';
import type { AppId } from '../_shared/apps.ts';
import type { Tx } from '../_shared/db.ts';

export interface ImportRow {
  table: string;
  row: Record<string, unknown> & { id: string };
  /** Rows that belong to it and are written after it, in its savepoint (a task's completion). */
  then?: ImportRow[];
}

/** What applying one record did, as its row report says it (sync_import_row's answer). */
export interface ImportApplied {
  status: 'imported' | 'skipped';
  id?: string;
  version?: string;
  reason?: string;
  ignored?: string[];
}

/** `idFor(key)` is the stable uuid of a local key: a re-import of the same record finds the same row. */
export type IdFor = (key: string | number) => Promise<string>;

export interface SyncImporter {
  /** The OpenAPI component name of its records' schema, and the schema. */
  name: string;
  record: z.ZodType;
  /** One local record → the row it becomes, or why it cannot be imported. */
  toRow(record: unknown, idFor: IdFor): Promise<{ ok: true; value: ImportRow } | { ok: false; error: z.ZodError }>;
  /**
   * How a mapped row is written, as the caller, in the row's savepoint. Default: public.sync_import_row (inserted, or
   * skipped when the id is already in the cloud). A source whose records are not rows (an opening balance) has its own.
   */
  apply?(sp: Tx, app: AppId, value: ImportRow): Promise<ImportApplied>;
}

/**
 * The default way a row is imported, with the rows that follow it: each inserted as the caller, or skipped when its id
 * is already in the cloud. The report is the first row's.
 */
export async function importRowAsCaller(sp: Tx, appId: AppId, value: ImportRow): Promise<ImportApplied> {
  const [{ r }] = await sp<[{ r: ImportApplied }]>`
    select public.sync_import_row(${appId}, ${value.table}, ${sp.json(value.row as never)}) as r`;
  for (const next of value.then ?? []) await importRowAsCaller(sp, appId, next);
  return r;
}

export function importer<S extends z.ZodType>(
  name: string,
  record: S,
  map: (r: z.infer<S>, idFor: IdFor) => ImportRow | Promise<ImportRow>,
  apply?: SyncImporter['apply'],
): SyncImporter {
  return {
    name,
    record: record.openapi(name),
    apply,
    async toRow(raw, idFor) {
      const parsed = record.safeParse(raw);
      return parsed.success ? { ok: true, value: await map(parsed.data, idFor) } : { ok: false, error: parsed.error };
    },
  };
}
