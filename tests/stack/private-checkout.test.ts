// A checkout the `postgres` OS user cannot enter: a root user's clone under /root (mode 700), or any private home.
// As root the cluster runs as that user, so the stack must keep its cluster where that user can reach it, without
// opening up the user's own directories; and a program that fails must say why.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/ports.ts';
import { ensureCluster } from '../../scripts/stack/postgres.ts';
import { LOCAL_DIR } from '../../scripts/stack/project.ts';
import { postgresOsUser } from '../../scripts/stack/spawn.ts';
import { startDatabase } from '../../scripts/stack/stack.ts';
import process from 'node:process';

describe('a checkout in a private directory', () => {
  it(
    "starts a stack whose cluster only the server's OS user can read, leaves the home at mode 700, " +
      'and stop removes it all',
    { timeout: 120_000 },
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'houtai-home-')); // mode 700, as /root is
      const dir = join(home, 'houtai', '.local', 'test');
      try {
        const db = await startDatabase({ dir, dbPort: await freePort(), throwaway: true, demo: false });
        try {
          const sql = postgres(db.url, { max: 1, onnotice: () => {} });
          const [{ migrations }] =
            await sql`select count(*)::int as migrations from supabase_migrations.schema_migrations`;
          await sql.end();
          expect(migrations).toBeGreaterThan(0);
          const data = statSync(db.dataDir);
          expect({ owner: data.uid, mode: data.mode & 0o777 }).toEqual({
            owner: postgresOsUser()?.uid ?? process.getuid?.(),
            mode: 0o700,
          });
          expect(statSync(home).mode & 0o777).toBe(0o700);
        } finally {
          await db.stop();
        }
        expect(existsSync(dir)).toBe(false);
        expect(existsSync(db.dataDir)).toBe(false);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  );

  it('names why initdb failed in the first line of the error', () => {
    const dir = join(LOCAL_DIR, `initdb-fails-${process.pid}`);
    const dataDir = join(dir, 'pgdata');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'not-a-cluster'), 'initdb refuses a directory that is not empty');
    try {
      expect(() => ensureCluster({ dataDir, logFile: join(dir, 'postgres.log'), port: 1, throwaway: true })).toThrow(
        /^initdb failed \(exit 1\): initdb: error: .+/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
