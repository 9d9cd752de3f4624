// npm run bench: a throwaway stack of its own, seeded with realistic data, driven by wrk over HTTP and by pgbench
// with the same SQL straight to Postgres, at concurrency 1, 16 and 64. Prints a table and writes
// bench/results/<date>.json. Never part of npm test. BENCH_SECONDS (default 10) sets each run's length.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { SignJWT } from 'jose';
import { freePort } from '../stack/ports.ts';
import { LOCAL_DIR, ROOT } from '../stack/project.ts';
import { startStack } from '../stack/stack.ts';
import { PG_BIN } from '../stack/system-deps.ts';
import { seedBench, BENCH_DAYS } from './seed.ts';
import { runPgbench, runWrk as wrk, type HttpRequest, type LoadResult } from './load.ts';
import { cpuMeter } from './cpu.ts';
import { createDb } from '../../functions/_shared/db.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { emojiJobHandler, EMOJI_QUEUE } from '../../functions/_shared/pickitchen/emoji-job.ts';
import { OfflineEmojiProvider } from '../../functions/_shared/providers/dashscope.ts';
import { createObjectStore } from '../../functions/_shared/storage.ts';
import { runWorker } from '../../functions/worker/runner.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
// BENCH_ONLY=1,3 runs only those scenarios (for profiling one path); the seed is the same.
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const wanted = (key: string) => !ONLY || ONLY.includes(key.split(' ')[0]);
const CONCURRENCY = [1, 16, 64];
const log = (m: string) => console.log(`[bench] ${m}`);

// wrk is the load generator: written in C with an event loop per thread, it takes far less of the two cores
// than a Node generator (autocannon) would, leaving them to the stack under test.
if (!existsSync('/usr/bin/wrk')) {
  log('installing wrk with apt-get');
  spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!existsSync('/usr/bin/wrk')) throw new Error('wrk is needed: apt-get install wrk');
}

const dir = join(LOCAL_DIR, `bench-${process.pid}`);
const big = '1000000000/60';
const stack = await startStack({
  dir, apiPort: await freePort(), dbPort: await freePort(), throwaway: true, demo: false, gatewayOutput: 'file',
  // Rate limits stay on (their token take is part of every request) but cannot refuse the load.
  // BENCH_ENV='LOG_REQUESTS=false,…' overrides settings, to measure what a part costs.
  env: {
    // wrk stands for the app's users behind Supabase's proxy: it sends each user's address in X-Forwarded-For.
    TRUSTED_PROXY_HOPS: '2',
    RATE_LIMIT_READ_USER: big, RATE_LIMIT_READ_IP: big, RATE_LIMIT_WRITE_USER: big, RATE_LIMIT_WRITE_IP: big,
    ...Object.fromEntries((process.env.BENCH_ENV ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string])),
  },
});
const stopAll = async () => { await stack.stop(); };
// Every API run also reports the CPU the functions and Postgres spent per request.
const runWrk = (...args: Parameters<typeof wrk>): LoadResult => {
  const cpuSince = cpuMeter({ functions: stack.pids.gateway, postmaster: stack.pids.postgres });
  const result = wrk(...args);
  return { ...result, cpu: cpuSince(result.requests ?? 0) };
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

const sql = postgres(stack.dbUrl, { max: 4, onnotice: () => {} });
type Row = { scenario: string; what: string; api?: LoadResult; db?: LoadResult };
const rows: Row[] = [];
const notes: Record<string, unknown> = {};
try {
  const t0 = Date.now();
  const { users } = await seedBench(sql, log);
  const [{ records }] = await sql`select (select count(*) from coach.workouts) + (select count(*) from coach.meals) + (select count(*) from coach.sleeps) + (select count(*) from coach.work_notes) + (select count(*) from coach.readings) as records`;
  log(`seeded ${users.length} users, ${records} coach records, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const secret = new TextEncoder().encode(stack.keys.jwtSecret);
  const now = Math.floor(Date.now() / 1000);
  const tokens = await Promise.all(users.map((id) => new SignJWT({ sub: id, role: 'authenticated', aud: 'authenticated', aal: 'aal1', session_id: crypto.randomUUID(), is_anonymous: false })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + 3600 * 6).sign(secret)));
  const dates = (await sql<{ d: string }[]>`select (current_date - d)::text as d from generate_series(0, ${BENCH_DAYS - 1}) d`).map((r) => r.d);
  const today = dates[0];
  const pick = <T>(a: T[]) => a[Math.floor(Math.random() * a.length)];
  // Each user calls from an address of its own, as an app's users do: rate limits keep a bucket per address.
  const caller = (u: number) => ({ token: tokens[u], ip: `10.${u >> 16}.${(u >> 8) & 255}.${u & 255}` });
  const anyCaller = () => caller(Math.floor(Math.random() * users.length));
  const api = '/functions/v1/api/v1';
  const many = (n: number, make: (i: number) => HttpRequest) => Array.from({ length: n }, (_, i) => make(i));
  const work = join(dir, 'bench-work');
  mkdirSync(work, { recursive: true });
  const pgbench = (name: string, c: number) => runPgbench(stack.dbUrl, readFileSync(join(ROOT, 'scripts/bench/pgbench', `${name}.sql`), 'utf8'), c, SECONDS, work, name, PG_BIN);

  const scenario = async (key: string, what: string, requests: HttpRequest[], sqlScript?: string) => {
    if (!wanted(key)) return;
    for (const c of CONCURRENCY) {
      log(`${key} at concurrency ${c}`);
      const row: Row = { scenario: key, what, api: runWrk(stack.apiUrl, requests, c, SECONDS, work, key) };
      if (sqlScript) row.db = pgbench(sqlScript, c);
      rows.push(row);
    }
  };

  // The framework floor first, before later scenarios leave thousands of queued jobs behind.
  await scenario('6 health', 'GET /health (framework floor)', [{ method: 'GET', path: `${api}/health`, token: '' }]);
  await scenario('1 day-log read', 'GET /coach/day-logs/{date}, 1,000 users', many(5000, () => {
    return { method: 'GET', path: `${api}/coach/day-logs/${pick(dates)}`, ...anyCaller() };
  }), 'day-log-read');
  await scenario('2 workout write', 'POST /coach/records/workout (+ day log, score)', many(5000, () => ({
    method: 'POST', path: `${api}/coach/records/workout`, ...anyCaller(), body: { date: today, workout_type: 'running', duration_minutes: 30 },
  })), 'workout-write');
  await scenario('3 sync pull 500', 'POST /coach/sync/pull, a 500-change page', many(2000, () => ({
    method: 'POST', path: `${api}/coach/sync/pull`, ...anyCaller(), body: { cursor: '0', limit: 500 },
  })), 'sync-pull');

  // 4: the ledger. POST /wallet/consume with a new Idempotency-Key on every request (each one really spends), on
  // all 1,000 accounts and then on one hot account, beside the same public.wallet_consume under pgbench.
  if (wanted('4')) {
    const [{ before }] = await sql`select balance::int as before from public.wallet_accounts where user_id = md5('bench-user-1')::uuid and app_id = 'pickitchen'`;
    const spend = (who: { token: string; ip: string }): HttpRequest => ({
      method: 'POST', path: `${api}/pickitchen/wallet/consume`, ...who, freshKey: true, body: { currency: 'points', amount: 1, reason: 'bench consume' },
    });
    for (const c of CONCURRENCY) {
      log(`4 ledger at concurrency ${c}`);
      rows.push({ scenario: '4 consume, many accounts', what: 'POST /wallet/consume, 1,000 accounts', api: runWrk(stack.apiUrl, many(5000, () => spend(anyCaller())), c, SECONDS, work, '4-many'), db: pgbench('consume-many', c) });
      rows.push({ scenario: '4 consume, hot account', what: 'POST /wallet/consume, one account', api: runWrk(stack.apiUrl, [spend(caller(0))], c, SECONDS, work, '4-hot'), db: pgbench('consume-hot', c) });
    }
    const violations = await sql`select * from internal.ledger_violations()`;
    const [{ after, consumed }] = await sql`
      select a.balance::int as after, (select count(*)::int from public.wallet_entries e where e.account_id = a.id and e.kind = 'consume' and e.reason = 'bench consume') as consumed
        from public.wallet_accounts a where a.user_id = md5('bench-user-1')::uuid and a.app_id = 'pickitchen'`;
    notes.ledger = { violations: violations.length, hot_account: { before, after, consumed, serialised: before - consumed === after } };
    log(`ledger after the run: ${violations.length} violations; hot account ${before} - ${consumed} = ${after}`);
  }

  if (wanted('5')) {
    // Worker drain: the offline provider (3 polls, no waiting between them), the video stored through Storage.
    const config = loadConfig({ SUPABASE_URL: stack.apiUrl, SUPABASE_DB_URL: stack.dbUrl, JWT_SECRET: stack.keys.jwtSecret, SUPABASE_SERVICE_ROLE_KEY: stack.keys.serviceRoleKey, DB_POOL_MAX: '4' });
    const db = createDb(config);
    const handler = emojiJobHandler({ provider: () => new OfflineEmojiProvider(), store: () => createObjectStore(config), settings: { pollIntervalMs: 0 } });
    // A fixed batch of 200 tasks, drained to the end: each is four job runs (create the provider task, two
    // polls, the third poll with download and store).
    await sql.begin(async (tx) => {
      await tx`select set_config('role', 'service_role', true)`;
      await tx`select internal.emoji_task_create(md5('bench-user-' || n)::uuid, 'pickitchen/' || md5('bench-user-' || n)::uuid || '/sources/bench.jpg', 'mengwa_kaixin', 'drain-' || n, interval '1 hour') from generate_series(1, 200) n`;
    });
    const drainStart = Date.now();
    let runs = 0;
    for (;;) {
      const r = await runWorker(db, { [EMOJI_QUEUE]: handler }, { worker: 'bench', queues: [EMOJI_QUEUE], budgetMs: 5000, batchSize: 20, leaseSeconds: 60 });
      runs += r.claimed;
      const [{ left }] = await sql`select count(*)::int as left from pickitchen.emoji_tasks where idempotency_key like 'drain-%' and status not in ('completed', 'failed')`;
      if (left === 0 || Date.now() - drainStart > 120_000) break;
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;
    const [{ done }] = await sql`select count(*)::int as done from pickitchen.emoji_tasks where idempotency_key like 'drain-%' and status = 'completed'`;
    await db.end();
    notes.worker_drain = { tasks: 200, completed: done, seconds: Math.round(drainSeconds * 10) / 10, tasks_per_s: Math.round((done / drainSeconds) * 10) / 10, job_runs_per_s: Math.round((runs / drainSeconds) * 10) / 10 };
    log(`worker drain: ${JSON.stringify(notes.worker_drain)}`);
  }
  await scenario('5 emoji create', 'POST /pickitchen/emoji/create (charge + task + job)', many(1000, (i) => ({
    method: 'POST', path: `${api}/pickitchen/emoji/create`, ...caller(i % users.length),
    body: { image_path: `pickitchen/${users[i % users.length]}/sources/bench.jpg`, driven_id: 'mengwa_kaixin' },
  })));

} finally {
  await sql.end();
  await stopAll();
}

// Output: the table and the JSON record.
const fmt = (r?: LoadResult) => (r ? [r.rps.toFixed(0), r.p50_ms.toFixed(1), r.p95_ms.toFixed(1), r.p99_ms.toFixed(1), String(r.errors)] : ['', '', '', '', '']);
const ms = (n?: number) => (n === undefined ? '' : n.toFixed(2));
const header = ['scenario', 'c', 'api req/s', 'p50', 'p95', 'p99', 'err', 'cpu fn', 'cpu pg', 'pgbench tx/s', 'p50', 'p95', 'p99', 'err', 'api/db'];
const table = rows.map((r) => [
  r.scenario, String(r.api?.concurrency ?? r.db?.concurrency), ...fmt(r.api), ms(r.api?.cpu?.functions_ms), ms(r.api?.cpu?.postgres_ms), ...fmt(r.db),
  r.api && r.db ? `${Math.round((r.api.rps / r.db.rps) * 100)} %` : '',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}`);
console.log(`\nlatencies in ms; cpu fn / cpu pg: CPU ms per request of the functions (Deno) and of Postgres; each run ${SECONDS} s; ledger: ${JSON.stringify(notes.ledger)}; worker: ${JSON.stringify(notes.worker_drain)}`);

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memory_gb: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version };
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
// A partial run (BENCH_ONLY) or one with overridden settings (BENCH_ENV) gets a name of its own beside the day's full run.
const variant = [ONLY && `only-${ONLY.join('-')}`, process.env.BENCH_ENV].filter(Boolean).join('-').replace(/[^\w.-]+/g, '-');
const out = join(ROOT, 'bench/results', `${new Date().toISOString().slice(0, 10)}${variant ? `-${variant}` : ''}.json`);
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), seconds_per_run: SECONDS, machine, only: ONLY ?? null, env: process.env.BENCH_ENV ?? null, rows, notes }, null, 2) + '\n');
log(`wrote ${out}`);
