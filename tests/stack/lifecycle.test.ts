// The local stack as `npm start` runs it: a persistent cluster keeps its data across stop and start, and
// stopping leaves no process behind; its log names the Deno it ran on.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { statusValues } from '../../scripts/status.ts';
import { removeStackFiles } from '../../scripts/stack/cluster-dir.ts';
import { denoVersion } from '../../scripts/stack/deno.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { LOCAL_DIR } from '../../scripts/stack/project.ts';
import { isAlive, type StackOptions, startStack } from '../../scripts/stack/stack.ts';
import process from 'node:process';

describe('persistent stack', () => {
  const dir = join(LOCAL_DIR, `lifecycle-${process.pid}`);
  afterAll(() => removeStackFiles(dir));

  it('keeps data and keys across a restart, logs the Deno version it runs on, and leaves nothing running after stop', {
    timeout: 120_000,
  }, async () => {
    const opts: StackOptions = {
      dir,
      apiPort: await freePort(),
      dbPort: await freePort(),
      throwaway: false,
      demo: false,
      gatewayOutput: 'file',
    };
    const first = await startStack(opts);
    const sql = postgres(first.dbUrl, { max: 1, onnotice: () => {} });
    await sql`
      insert into auth.users (id, aud, role, email, created_at, updated_at)
      values ('11111111-1111-4111-8111-111111111111', 'authenticated', 'authenticated', 'keep@test.local',
              now(), now())`;
    // pg_cron is preloaded and can be created where Supabase creates it.
    await sql`create extension if not exists pg_cron`;
    await sql.end();
    await first.stop();
    expect(isAlive(first.pids.postgres)).toBe(false);
    expect(isAlive(first.pids.gateway)).toBe(false);
    expect(existsSync(join(first.dataDir, 'PG_VERSION'))).toBe(true);
    expect(statusValues(first).DB_DATA_DIR).toBe(first.dataDir);
    const logged = readFileSync(join(dir, 'gateway.log'), 'utf8').split('\n').filter((line) =>
      line.includes('"deno --version"')
    );
    expect(logged.map((line) => JSON.parse(line).version)).toEqual([denoVersion()]);

    const second = await startStack(opts);
    try {
      expect(second.keys).toEqual(first.keys);
      const again = postgres(second.dbUrl, { max: 1, onnotice: () => {} });
      const rows = await again`
        select p.id from public.profiles p join auth.users u on u.id = p.id where u.email = 'keep@test.local'`;
      await again.end();
      expect(rows).toHaveLength(1);
      const health = await fetch(`${second.functionsUrl}/api/v1/health`);
      expect(health.status).toBe(200);
    } finally {
      await second.stop();
    }
    expect(isAlive(second.pids.postgres)).toBe(false);
    expect(isAlive(second.pids.gateway)).toBe(false);
  });
});
