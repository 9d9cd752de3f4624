// The declarative schema workflow without Docker: build one scratch database from the schema files
// (supabase/schemas, in config.toml's schema_paths order) and one from the migrations, and let migra write the SQL
// that brings the migrated one to the schema files' text. migra compares structure (tables, columns, constraints,
// indexes, functions, views, triggers, policies, grants, extensions), not data: rows a migration writes (buckets,
// cron jobs, settings rows) are written by hand.
import { run as migra } from '@pgkit/migra';
import { join } from 'node:path';
import { applySqlFiles, createScratchDb, sqlFiles } from './scratch-db.ts';
import { schemaFiles } from './project.ts';

/** A project layout: the real supabase/ directory, or a scratch copy of it (tests). */
export interface SchemaSources {
  supabaseDir: string;
}

/** `migra <migrated> <schema files>`: the statements that turn a migrated database into the schema files' one. */
export async function diffDatabases(fromUrl: string, toUrl: string): Promise<string> {
  const m = await migra(fromUrl, toUrl, {
    // Objects of the platform (sql/bootstrap) are the same on both sides; migra's own exclusions keep pg_catalog out.
    excludeSchema: ['supabase_migrations'],
    withPrivileges: true,
    unsafe: true,
  });
  return m.sql.trim();
}

/** The migration that brings the migrations up to the schema files: '' when they build the same database. */
export async function schemaDrift(src: SchemaSources): Promise<string> {
  // One after the other: two clusters picking free ports at once could pick the same one.
  const declared = await createScratchDb('declared');
  const migrated = await createScratchDb('migrated').catch(async (err) => {
    await declared.drop();
    throw err;
  });
  try {
    await applySqlFiles(declared.url, schemaFiles(src.supabaseDir));
    await applySqlFiles(migrated.url, sqlFiles(join(src.supabaseDir, 'migrations')));
    return await diffDatabases(migrated.url, declared.url);
  } finally {
    await Promise.all([declared.drop(), migrated.drop()]);
  }
}
