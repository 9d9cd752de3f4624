// supabase/schemas is the schema's current text and the migrations are what deploys: they must build the same
// database, and `npm run db:diff` must turn an edit of the schema files into a migration that does.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/stack/project.ts';
import { checksumProblems } from '../../scripts/stack/migration-checksums.ts';
import { schemaDrift } from '../../scripts/stack/schema-diff.ts';

describe('declarative schema files', () => {
  it('build the same database as the migrations', async () => {
    expect(await schemaDrift({ supabaseDir: join(ROOT, 'supabase') })).toBe('');
  }, 120_000);

  it('npm run db:diff writes a migration that adds a column added to a schema file', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'houtai-db-diff-'));
    try {
      cpSync(join(ROOT, 'supabase'), copy, { recursive: true, filter: (src) => !src.includes('/.temp') });
      const walletFile = join(copy, 'schemas/30_wallet.sql');
      const text = readFileSync(walletFile, 'utf8');
      const edited = text.replace('    name_zh text not null,\n', '    name_zh text not null,\n    icon_url text,\n');
      expect(edited).not.toBe(text);
      writeFileSync(walletFile, edited);
      const before = new Set(readdirSync(join(copy, 'migrations')));

      const res = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [
        'scripts/db/diff.ts',
        '--dir',
        copy,
        'add_currency_icon',
      ], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(res.status, res.stderr).toBe(0);

      const written = readdirSync(join(copy, 'migrations')).filter((f) => !before.has(f));
      expect(written).toHaveLength(1);
      expect(written[0]).toMatch(/^\d{14}_add_currency_icon\.sql$/);
      expect(readFileSync(join(copy, 'migrations', written[0]), 'utf8')).toMatch(
        /alter table "public"\."wallet_currencies" add column "icon_url" text;/,
      );
      // Applied after the others, it brings the migrated database to the schema files; and it is listed.
      expect(await schemaDrift({ supabaseDir: copy })).toBe('');
      expect(checksumProblems(join(copy, 'migrations'))).toEqual([]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 180_000);
});
