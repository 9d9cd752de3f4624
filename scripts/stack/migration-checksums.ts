// Landed migrations never change: supabase/migrations/checksums.json lists the sha256 of every migration file, and
// tests/unit/migration-checksums.test.ts fails when a listed file changed or disappeared, or a file is not listed.
// `npm run db:diff` adds the migration it writes; `npm run db:checksums` adds hand-written ones (data migrations).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sqlFiles } from './scratch-db.ts';

export type Checksums = Record<string, string>;

export const checksumsFile = (migrationsDir: string) => join(migrationsDir, 'checksums.json');

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function readChecksums(migrationsDir: string): Checksums {
  const file = checksumsFile(migrationsDir);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

/** What breaks the append-only rule: listed files changed or gone, files not listed. Empty when all is well. */
export function checksumProblems(migrationsDir: string): string[] {
  const listed = readChecksums(migrationsDir);
  const present = new Map(sqlFiles(migrationsDir).map((f) => [basename(f), f]));
  const problems: string[] = [];
  for (const [name, sum] of Object.entries(listed)) {
    const file = present.get(name);
    if (!file) problems.push(`${name} is listed but gone: a landed migration is never deleted`);
    else if (sha256(file) !== sum) problems.push(`${name} changed after it landed: write a new migration instead`);
  }
  for (const name of present.keys()) {
    if (!(name in listed)) problems.push(`${name} is not listed: run \`npm run db:checksums\` once it is final`);
  }
  return problems;
}

/** Lists the migrations not yet listed; never rewrites a listed one's checksum. Returns the names it added. */
export function addNewChecksums(migrationsDir: string): string[] {
  const listed = readChecksums(migrationsDir);
  const added: string[] = [];
  for (const file of sqlFiles(migrationsDir)) {
    if (basename(file) in listed) continue;
    listed[basename(file)] = sha256(file);
    added.push(basename(file));
  }
  const sorted = Object.fromEntries(Object.entries(listed).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(checksumsFile(migrationsDir), `${JSON.stringify(sorted, null, 2)}\n`);
  return added;
}
