// Migrations are append-only once landed: checksums.json pins every migration file's content.
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/stack/project.ts';
import { addNewChecksums, checksumProblems } from '../../scripts/stack/migration-checksums.ts';

const MIGRATIONS = join(ROOT, 'supabase/migrations');
const copies: string[] = [];
function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'houtai-checksums-'));
  copies.push(dir);
  cpSync(MIGRATIONS, dir, { recursive: true });
  return dir;
}
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('migration checksums', () => {
  it('every migration in supabase/migrations is listed with its current checksum', () => {
    expect(checksumProblems(MIGRATIONS)).toEqual([]);
  });

  it('fails when a listed migration changes', () => {
    const dir = copyOfMigrations();
    appendFileSync(join(dir, '20261201180000_baseline.sql'), '\n-- edited after it landed\n');
    expect(checksumProblems(dir)).toEqual([
      expect.stringMatching(/^20261201180000_baseline\.sql changed after it landed/),
    ]);
  });

  it('fails when a listed migration disappears', () => {
    const dir = copyOfMigrations();
    rmSync(join(dir, '20261201180000_baseline.sql'));
    expect(checksumProblems(dir)).toEqual([expect.stringMatching(/^20261201180000_baseline\.sql is listed but gone/)]);
  });

  it('fails when a migration is not listed, until db:checksums lists it without touching the others', () => {
    const dir = copyOfMigrations();
    writeFileSync(join(dir, '20261202000000_add_thing.sql'), 'select 1;\n');
    expect(checksumProblems(dir)).toEqual([expect.stringMatching(/^20261202000000_add_thing\.sql is not listed/)]);
    appendFileSync(join(dir, '20261201180000_baseline.sql'), '\n-- edited\n');
    expect(addNewChecksums(dir)).toEqual(['20261202000000_add_thing.sql']);
    // The edited, already listed file is still reported: listing new files never re-pins old ones.
    expect(checksumProblems(dir)).toEqual([expect.stringMatching(/^20261201180000_baseline\.sql changed/)]);
  });
});
