// What an import source is: a schema for the phone's local records and how one becomes a row of a syncable table
// (functions/_sync/importers.ts lists the sources; an app's own, such as Quit Journey's Hive boxes, live with it).
import { z } from '@hono/zod-openapi';

export interface ImportRow {
  table: string;
  row: Record<string, unknown> & { id: string };
}

/** A local record the server does not import, and why (reported as skipped): e.g. a claim the server decides itself. */
export interface ImportSkip {
  skipped: string;
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
}

export function importer<S extends z.ZodType>(
  name: string,
  record: S,
  map: (r: z.infer<S>, ctx: ImportContext) => ImportRow | ImportSkip | Promise<ImportRow | ImportSkip>,
): SyncImporter {
  return {
    name,
    record: record.openapi(name),
    async toRow(raw, ctx) {
      const parsed = record.safeParse(raw);
      return parsed.success ? { ok: true, value: await map(parsed.data, ctx) } : { ok: false, error: parsed.error };
    },
  };
}
