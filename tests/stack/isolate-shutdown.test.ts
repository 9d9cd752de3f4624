// A functions instance that stops, as Supabase retires an isolate, sends what it still had to write. The stack's
// gateway (every function in one Deno process, as `npm start` and the tests run it) stands in for the Edge Runtime:
// stopped by SIGTERM, it dispatches `beforeunload` to the functions and waits for their flush. The rate limiter here
// syncs every 10 s, so the grants a request made are still only in memory when the signal comes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/ports.ts';
import { LOCAL_DIR } from '../../scripts/stack/project.ts';
import { isAlive, type Stack, startStack } from '../../scripts/stack/stack.ts';
import process from 'node:process';

const CAPACITY = 1000;
const dir = join(LOCAL_DIR, `isolate-shutdown-${process.pid}`);
let stack: Stack;
let sql: postgres.Sql;
beforeAll(async () => {
  stack = await startStack({
    dir,
    apiPort: await freePort(),
    dbPort: await freePort(),
    throwaway: true,
    demo: false,
    gatewayOutput: 'file',
    // An hour's window: nothing refills while the test runs, so the level says exactly what was spent.
    env: { RATE_LIMIT_SYNC_MS: '10000', RATE_LIMIT_HOOKS_IP: `${CAPACITY}/3600`, TRUSTED_PROXY_HOPS: '2' },
  });
  sql = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
}, 120_000);
afterAll(async () => {
  await sql?.end();
  await stack?.stop();
});

/** The bucket's level as Postgres keeps it; undefined before any instance has learnt it. */
async function levelInPostgres(key: string): Promise<number | undefined> {
  const [row] = await sql<{ tokens: number }[]>`select tokens from internal.rate_limit_buckets where key = ${key}`;
  return row?.tokens;
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe('an instance that stops', () => {
  it(
    'sends the rate-limit grants it had not yet synced to Postgres when the gateway gets SIGTERM',
    { timeout: 30_000 },
    async () => {
      const ip = '198.51.100.77';
      const key = `hooks:ip:${ip}`;
      // Every /hooks request spends a token of its client address's hooks bucket before anything else happens.
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${stack.functionsUrl}/hooks/no-such-hook`, { headers: { 'x-forwarded-for': ip } });
        expect(res.status).toBe(404);
      }
      // The bucket was learnt (a full row) on the first request, and nothing spent in it has been sent yet.
      expect(await levelInPostgres(key)).toBe(CAPACITY);

      process.kill(stack.pids.gateway, 'SIGTERM');
      expect(await exited(stack.pids.gateway, 10_000)).toBe(true);

      expect(await levelInPostgres(key)).toBe(CAPACITY - 3);
      const log = readFileSync(join(dir, 'gateway.log'), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line));
      expect(log.filter((l) => l.msg === 'isolate stopping: flushing').map((l) => l.reason)).toEqual(['termination']);
      expect(log.filter((l) => l.msg === 'gateway stopped')).toEqual([
        expect.objectContaining({ signal: 'SIGTERM', background_settled: true }),
      ]);
    },
  );
});
