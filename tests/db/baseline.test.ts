// The baseline migration replaced the 43 migrations before it (kept in tests/fixtures/pre-baseline-migrations for
// this proof): built from either, a database has the same schema-only dump and the same rows written by migrations.
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/stack/project.ts';
import { applySqlFiles, createScratchDb, snapshotForComparison, sqlFiles } from '../../scripts/stack/scratch-db.ts';

const BASELINE = join(ROOT, 'supabase/migrations/20261201180000_baseline.sql');
const OLD_CHAIN = join(ROOT, 'tests/fixtures/pre-baseline-migrations');

async function snapshotOf(label: string, files: string[]): Promise<string> {
  const db = await createScratchDb(label);
  try {
    await applySqlFiles(db.url, files);
    return await snapshotForComparison(db.url);
  } finally {
    await db.drop();
  }
}

describe('baseline migration', () => {
  it('builds the same schema and migration-written rows as the old migration chain', async () => {
    expect(sqlFiles(OLD_CHAIN).map((f) => basename(f))).toHaveLength(43);
    const old = await snapshotOf('old-chain', sqlFiles(OLD_CHAIN));
    const baseline = await snapshotOf('baseline', [BASELINE]);
    expect(baseline).toBe(old);
  }, 120_000);
});
