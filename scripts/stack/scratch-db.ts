// Scratch databases for comparing schemas: each one a bare throwaway cluster of its own, brought to the platform
// state (sql/bootstrap), then given either the migrations or the declarative schema files. A cluster each, not a
// database each in one cluster, because pg_cron (which the migrations schedule with) lives only in the database
// named `postgres`. A bare cluster starts in about a second.
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import postgres from 'postgres';
import { bootstrapPlatform } from './database.ts';
import { freePort } from './ports.ts';
import { LOCAL_DIR } from './project.ts';
import { startDatabase } from './stack.ts';
import { PG_BIN } from './system-deps.ts';
import { runChecked } from './spawn.ts';
import process from 'node:process';

export interface ScratchDb {
  url: string;
  drop(): Promise<void>;
}

let made = 0;

/** A new throwaway cluster with the platform bootstrap applied; `drop()` stops it and deletes its files. */
export async function createScratchDb(label: string): Promise<ScratchDb> {
  const dir = join(LOCAL_DIR, `scratch-${label}-${process.pid}-${made++}`);
  const db = await startDatabase({ dir, dbPort: await freePort(), throwaway: true, demo: false, bare: true });
  try {
    await bootstrapPlatform(db.url);
  } catch (err) {
    await db.stop();
    throw err;
  }
  return { url: db.url, drop: db.stop };
}

/** The `.sql` files of a directory, in name order: how migrations and numbered schema files are applied. */
export function sqlFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => join(dir, f));
}

/**
 * Runs SQL files in order, each in one transaction, stopping at the first failure with the file's name. The CLI's
 * `migration up` does the same per migration; here no history table is written, so the databases compare clean.
 */
export async function applySqlFiles(url: string, files: string[]): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (const file of files) {
      try {
        await sql.begin((tx) => tx.file(file));
      } catch (err) {
        throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } finally {
    await sql.end();
  }
}

/**
 * What two databases are compared by: the schema-only `pg_dump` (without the dump's own header comments or the
 * migration history schema), then the rows migrations write, in a fixed order. Timestamps and cron job ids differ
 * from run to run and are left out.
 */
export async function snapshotForComparison(url: string): Promise<string> {
  const { stdout } = runChecked('pg_dump', `${PG_BIN}/pg_dump`, [
    '--schema-only',
    '--no-owner',
    '--exclude-schema=supabase_migrations',
    '--dbname',
    url,
  ], {
    maxBuffer: 1 << 28,
  });
  const schema = stdout
    .split('\n')
    .filter((line) => !/^-- (Dumped (from|by)|PostgreSQL database dump)/.test(line) && !/^\\(un)?restrict /.test(line))
    .join('\n');
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = {
      buckets: await sql`select id, public, file_size_limit, allowed_mime_types from storage.buckets order by id`,
      syncSettings: await sql`select * from internal.sync_settings`,
      syncTables: await sql`select table_name::text, app_id, strategy from internal.sync_tables order by 1`,
      cron: await sql`select jobname, schedule, command from cron.job order by jobname`,
    };
    return `${schema}\n-- rows written by migrations\n${JSON.stringify(rows, null, 2)}\n`;
  } finally {
    await sql.end();
  }
}
