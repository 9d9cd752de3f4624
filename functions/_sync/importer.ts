// What an import source is (importers.ts lists them): a schema for the phone's local records, how one becomes a row
// of a syncable table (or is skipped, with the reason), and how it is written. An app's own sources, such as Quit
// Journey's Hive boxes and Growth Diary's wx storage, live with the app.
import type { z } from '@hono/zod-openapi';
import type { AppId } from '../_shared/apps.ts';
import type { Tx } from '../_shared/db.ts';

export interface ImportRow {
  table: string;
  row: Record<string, unknown> & { id: string };
  /** Rows that belong to it and are written after it, in its savepoint (a task's completion). */
  then?: ImportRow[];
  /** What the importer changed of the local record to keep it (a value out of range, say): reported as adjusted. */
  adjusted?: string[];
}

/** A local record the server does not import, and why (reported as skipped): e.g. a claim the server decides itself. */
export interface ImportSkip {
  skipped: string;
}

/** What applying one record did, as its row report says it (sync_import_row's answer). */
export interface ImportApplied {
  status: 'imported' | 'skipped';
  id?: string;
  version?: string;
  reason?: string;
  ignored?: string[];
  adjusted?: string[];
}

/** `idFor(key)` is the stable uuid of a local key: a re-import of the same record finds the same row. */
export type IdFor = (key: string | number) => Promise<string>;

/** Who is importing: `userId` for rows whose id derives from the user (one per user, such as a profile). */
export interface ImportContext {
  idFor: IdFor;
  userId: string;
}

export interface SyncImporter {
  /** The OpenAPI component name of its records' schema, and the schema. */
  name: string;
  record: z.ZodType;
  /** One local record → the row it becomes (or why it is skipped), or why it cannot be imported. */
  toRow(
    record: unknown,
    ctx: ImportContext,
  ): Promise<{ ok: true; value: ImportRow | ImportSkip } | { ok: false; error: z.ZodError }>;
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
  // What was changed to keep the record is news only when it was kept now (a re-import finds the row made before).
  return value.adjusted?.length && r.status === 'imported' ? { ...r, adjusted: value.adjusted } : r;
}

export function importer<S extends z.ZodType>(
  name: string,
  record: S,
  map: (r: z.infer<S>, ctx: ImportContext) => ImportRow | ImportSkip | Promise<ImportRow | ImportSkip>,
  apply?: SyncImporter['apply'],
): SyncImporter {
  return {
    name,
    record: record.openapi(name),
    apply,
    async toRow(raw, ctx) {
      const parsed = record.safeParse(raw);
      return parsed.success ? { ok: true, value: await map(parsed.data, ctx) } : { ok: false, error: parsed.error };
    },
  };
}
