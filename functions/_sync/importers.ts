// Sources of the one-time import: how a phone's local records become rows of syncable tables. Every app has
// the generic `rows` source (records already in table shape, with their uuid); an app whose local store has
// other shapes (Hive boxes, isar collections, wx storage arrays) registers a source that maps them.
import { z } from '@hono/zod-openapi';
import type { AppId } from '../_shared/apps.ts';
import { uuidV5 } from '../_shared/digest.ts';
import { SyncRow } from './sync-row.ts';
import { importer, type SyncImporter } from './importer.ts';
import { DIARY_IMPORTERS } from '../_diary/importer.ts';
import { quitHive } from '../_quit/hive-import.ts';

export type { IdFor, ImportApplied, ImportRow, SyncImporter } from './importer.ts';

/** Records already in the shape of a syncable table. */
const rows = importer(
  'SyncImportTableRow',
  z.object({ table: z.string().regex(/^[a-z_]+\.[a-z_]+$/), row: SyncRow }).strict(),
  (r) => r,
);

/** The sample table's local to-do list, keyed by the local store's own keys (Hive-style). */
const sampleLocalTodos = importer(
  'SyncImportSampleLocalTodo',
  z.object({
    key: z.union([z.string().min(1).max(100), z.number().int()]),
    text: z.string().min(1).max(200),
    done: z.boolean().default(false),
    updated_at: z.iso.datetime({ offset: true }).optional(),
  }),
  async (r, { idFor }) => ({
    table: 'public.sync_samples',
    row: { id: await idFor(r.key), title: r.text, done: r.done, ...(r.updated_at ? { updated_at: r.updated_at } : {}) },
  }),
);

const BY_APP: Partial<Record<AppId, Record<string, SyncImporter>>> = {
  coach: { sample_local_todos: sampleLocalTodos },
  diary: DIARY_IMPORTERS,
  quit: { hive: quitHive },
};

/** Every importer of every app, once: the schemas an import's rows are checked against. */
export const ALL_IMPORTERS: SyncImporter[] = [
  rows,
  ...new Set(Object.values(BY_APP).flatMap((sources) => Object.values(sources ?? {}))),
];

export function importSources(app: AppId): string[] {
  return ['rows', ...Object.keys(BY_APP[app] ?? {})];
}

export function importerFor(app: AppId, source: string): SyncImporter | undefined {
  return source === 'rows' ? rows : BY_APP[app]?.[source];
}

// Fixed namespace of import ids; the name carries user, app, source and key so nobody's ids collide.
const IMPORT_NAMESPACE = '6f1f8a52-3c1e-4c0e-9a43-2b7d1c5e8f90';
export const importIdFor = (userId: string, app: AppId, source: string) => (key: string | number) =>
  uuidV5(IMPORT_NAMESPACE, `${userId}/${app}/${source}/${key}`);
