// npm run bench: a throwaway stack of its own, seeded with realistic data, driven by wrk over HTTP and by pgbench
// with the same SQL straight to Postgres, at concurrency 1, 16 and 64. Every cell (a scenario at one concurrency) is
// sampled BENCH_REPEATS times (3), each sample BENCH_SECONDS long (10) after a warm-up of BENCH_WARMUP_SECONDS (3)
// that is left out; pgbench runs on as many connections as the API may use, and at wrk's concurrency too where that
// is more. Prints medians and spreads and writes bench/results/<start time>.json, a new file per run. Never part of
// npm test.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { SignJWT } from 'jose';
import { denoVersion } from '../stack/deno.ts';
import { freePort } from '../stack/ports.ts';
import { LOCAL_DIR, ROOT } from '../stack/project.ts';
import { startStack } from '../stack/stack.ts';
import { PG_BIN } from '../stack/system-deps.ts';
import { BENCH_DAYS, seedBench } from './seed.ts';
import { type HttpRequest, type LoadResult, type PgbenchProtocol, runPgbench, runWrk } from './load.ts';
import { cpuMeter } from './cpu.ts';
import { type Cell, cellOf, checkRecord, formatTable, type RunRecord, writeRecord } from './results.ts';
import { createDb } from '../../functions/_shared/db.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { EMOJI_QUEUE, emojiJobHandler } from '../../functions/_pickitchen/emoji-job.ts';
import { OfflineEmojiProvider } from '../../functions/_pickitchen/emoji-video-provider.ts';
import { createObjectStore } from '../../functions/_files/storage.ts';
import { runWorker } from '../../functions/worker/runner.ts';
import process from 'node:process';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
// BENCH_ONLY=1,3 runs only those scenarios (for profiling one path); the seed is the same.
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const wanted = (key: string) => !ONLY || ONLY.includes(key.split(' ')[0]);
const CONCURRENCY = [1, 16, 64];
const log = (m: string) => console.log(`[bench] ${m}`);

// wrk is the load generator: written in C with an event loop per thread, it takes far less of the two cores
// than a Node generator (autocannon) would, leaving them to the stack under test.
if (!existsSync('/usr/bin/wrk')) {
  log('installing wrk with apt-get');
  spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync('/usr/bin/wrk')) throw new Error('wrk is needed: apt-get install wrk');
}

// The API's database connections, which pgbench is matched to: the gateway serves every function from one Deno
// process (scripts/gateway/main.ts), only `api` takes the load, and its pool holds at most DB_POOL_MAX connections.
// The bench sets the pool itself so the figure cannot drift from what runs; each API sample counts what it used.
const FUNCTION_INSTANCES = 1;
const big = '1000000000/60';
const env: Record<string, string> = {
  DB_POOL_MAX: '10',
  // wrk stands for the app's users behind Supabase's proxy: it sends each user's address in X-Forwarded-For.
  TRUSTED_PROXY_HOPS: '2',
  // Rate limits stay on (their token take is part of every request) but cannot refuse the load.
  RATE_LIMIT_READ_USER: big,
  RATE_LIMIT_READ_IP: big,
  RATE_LIMIT_WRITE_USER: big,
  RATE_LIMIT_WRITE_IP: big,
  // BENCH_ENV='LOG_REQUESTS=false,…' overrides settings, to measure what a part costs.
  ...Object.fromEntries(
    (process.env.BENCH_ENV ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]),
  ),
};
const API_DB_CONNECTIONS = Number(env.DB_POOL_MAX) * FUNCTION_INSTANCES;

interface Scenario {
  key: string;
  what: string;
  requests: () => HttpRequest[];
  /** The same work for pgbench: a script in scripts/bench/pgbench. */
  /**
   * The same SQL without HTTP, sent as the API sends it on the bench stack (DB_PREPARE=true): `prepared` for what
   * db.ts pipelines as postgres.js's prepared statements (each script's \startpipeline groups them into one flight),
   * `simple` for a list db.ts sends as one simple-protocol message (the script's statements joined by `\;`).
   */
  pgbench?: { script: string; protocol: PgbenchProtocol };
}

/**
 * Samples a scenario takes: per concurrency and repeat, the API, pgbench matched and pgbench at c where that is more.
 */
const samplesOf = (s: Scenario) =>
  CONCURRENCY.reduce((n, c) => n + REPEATS * (1 + (s.pgbench ? 1 + Number(c > API_DB_CONNECTIONS) : 0)), 0);

const startedAt = new Date();
const dir = join(LOCAL_DIR, `bench-${process.pid}`);
const stack = await startStack({
  dir,
  apiPort: await freePort(),
  dbPort: await freePort(),
  throwaway: true,
  demo: false,
  gatewayOutput: 'file',
  env,
});
const stopAll = async () => {
  await stack.stop();
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

const sql = postgres(stack.dbUrl, { max: 4, onnotice: () => {} });
const rows: Cell[] = [];
const notes: Record<string, unknown> = {};
try {
  const t0 = Date.now();
  const { users } = await seedBench(sql, log);
  const [{ records }] = await sql`
      select (select count(*) from coach.workouts) + (select count(*) from coach.meals)
           + (select count(*) from coach.sleeps) + (select count(*) from coach.work_notes)
           + (select count(*) from coach.readings) as records`;
  notes.seed = {
    users: users.length,
    coach_records: Number(records),
    seconds: Math.round((Date.now() - t0) / 100) / 10,
  };
  log(`seeded ${users.length} users, ${records} coach records, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Tokens as the stack's Auth signs them (ES256 with its key), but valid for the whole run.
  const signingKey = stack.keys.signingKey;
  const now = Math.floor(Date.now() / 1000);
  const tokens = await Promise.all(
    users.map((id) =>
      new SignJWT({
        sub: id,
        role: 'authenticated',
        aud: 'authenticated',
        aal: 'aal1',
        session_id: crypto.randomUUID(),
        is_anonymous: false,
      })
        .setProtectedHeader({ alg: 'ES256', kid: signingKey.kid, typ: 'JWT' }).setIssuedAt(now).setExpirationTime(
          now + 3600 * 6,
        ).sign(signingKey)
    ),
  );
  const dates =
    (await sql<{ d: string }[]>`select (current_date - d)::text as d from generate_series(0, ${BENCH_DAYS - 1}) d`).map(
      (r) => r.d,
    );
  const today = dates[0];
  const pick = <T>(a: T[]) => a[Math.floor(Math.random() * a.length)];
  // Each user calls from an address of its own, as an app's users do: rate limits keep a bucket per address.
  const caller = (u: number) => ({ token: tokens[u], ip: `10.${u >> 16}.${(u >> 8) & 255}.${u & 255}` });
  const anyCaller = () => caller(Math.floor(Math.random() * users.length));
  const api = '/functions/v1/api/v1';
  const many = (n: number, make: (i: number) => HttpRequest) => Array.from({ length: n }, (_, i) => make(i));
  const work = join(dir, 'bench-work');
  mkdirSync(work, { recursive: true });

  // An API sample: wrk's warm-up, then the measured run with the CPU the functions and Postgres spent per request
  // and the connections the functions used (those that ran a statement since it began).
  const apiSample = async (requests: HttpRequest[], c: number, name: string): Promise<LoadResult> => {
    const result = runWrk(
      stack.apiUrl,
      requests,
      { concurrency: c, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS },
      work,
      name,
      () => {
        const cpuSince = cpuMeter({ functions: stack.pids.gateway, postmaster: stack.pids.postgres });
        return (r) => ({ cpu: cpuSince(r.requests ?? 0) });
      },
    );
    const [{ used }] = await sql`
        select count(*)::int as used from pg_stat_activity
         where application_name = 'houtai-functions' and query_start >= ${result.started_at!}::timestamptz`;
    return { ...result, db_connections: used };
  };
  const dbSample = (s: NonNullable<Scenario['pgbench']>, clients: number) =>
    runPgbench(
      stack.dbUrl,
      {
        script: readFileSync(join(ROOT, 'scripts/bench/pgbench', `${s.script}.sql`), 'utf8'),
        protocol: s.protocol,
        clients,
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
      },
      work,
      s.script,
      PG_BIN,
    );

  // A cell's repeats: each takes the API sample and then pgbench's, so the two meet the same phase of the machine.
  const run = async (s: Scenario) => {
    const requests = s.requests();
    for (const c of CONCURRENCY) {
      log(`${s.key} at concurrency ${c}, ${REPEATS} samples`);
      const samples: { api: LoadResult[]; db: LoadResult[]; dbAtConcurrency: LoadResult[] } = {
        api: [],
        db: [],
        dbAtConcurrency: [],
      };
      for (let i = 0; i < REPEATS; i++) {
        samples.api.push(await apiSample(requests, c, s.key));
        if (!s.pgbench) continue;
        samples.db.push(dbSample(s.pgbench, Math.min(c, API_DB_CONNECTIONS)));
        if (c > API_DB_CONNECTIONS) samples.dbAtConcurrency.push(dbSample(s.pgbench, c));
      }
      rows.push(cellOf(s.key, s.what, c, {
        api: samples.api,
        ...(s.pgbench && { db: samples.db }),
        ...(samples.dbAtConcurrency.length && { dbAtConcurrency: samples.dbAtConcurrency }),
      }));
    }
  };

  const spend = (who: { token: string; ip: string }): HttpRequest => ({
    method: 'POST',
    path: `${api}/pickitchen/wallet/consume`,
    ...who,
    freshKey: true,
    body: { currency: 'points', amount: 1, reason: 'bench consume' },
  });
  // The framework floor first, before later scenarios leave thousands of queued jobs behind.
  const all: Scenario[] = [
    {
      key: '6 health',
      what: 'GET /health (framework floor)',
      requests: () => [{ method: 'GET', path: `${api}/health`, token: '' }],
    },
    {
      key: '1 day-log read',
      what: 'GET /coach/day-logs/{date}, 1,000 users',
      pgbench: { script: 'day-log-read', protocol: 'prepared' },
      requests: () =>
        many(5000, () => ({ method: 'GET', path: `${api}/coach/day-logs/${pick(dates)}`, ...anyCaller() })),
    },
    {
      key: '2 workout write',
      what: 'POST /coach/records/workout (+ day log, score)',
      pgbench: { script: 'workout-write', protocol: 'simple' },
      requests: () =>
        many(
          5000,
          () => ({
            method: 'POST',
            path: `${api}/coach/records/workout`,
            ...anyCaller(),
            body: { date: today, workout_type: 'running', duration_minutes: 30 },
          }),
        ),
    },
    {
      // The route runs in an interactive db.asUser: the page after the opening, then the commit in a round trip of its
      // own.
      key: '3 sync pull 500',
      what: 'POST /coach/sync/pull, a 500-change page',
      pgbench: { script: 'sync-pull', protocol: 'prepared' },
      requests: () =>
        many(
          2000,
          () => ({ method: 'POST', path: `${api}/coach/sync/pull`, ...anyCaller(), body: { cursor: '0', limit: 500 } }),
        ),
    },
    // 4: the ledger. POST /wallet/consume with a new Idempotency-Key on every request (each one really spends), on
    // all 1,000 accounts and then on one hot account, beside the same public.wallet_consume under pgbench.
    {
      key: '4 consume, many accounts',
      what: 'POST /wallet/consume, 1,000 accounts',
      pgbench: { script: 'consume-many', protocol: 'prepared' },
      requests: () => many(5000, () => spend(anyCaller())),
    },
    {
      key: '4 consume, hot account',
      what: 'POST /wallet/consume, one account',
      pgbench: { script: 'consume-hot', protocol: 'prepared' },
      requests: () => [spend(caller(0))],
    },
    {
      key: '5 emoji create',
      what: 'POST /pickitchen/emoji/create (charge + task + job)',
      requests: () =>
        many(1000, (i) => ({
          method: 'POST',
          path: `${api}/pickitchen/emoji/create`,
          ...caller(i % users.length),
          body: { image_path: `pickitchen/${users[i % users.length]}/sources/bench.jpg`, driven_id: 'mengwa_kaixin' },
        })),
    },
  ];
  const scenarios = all.filter((s) => wanted(s.key));
  const samples = scenarios.reduce((n, s) => n + samplesOf(s), 0);
  log(
    `${samples} samples of ${WARMUP_SECONDS} + ${SECONDS} s: about ${
      Math.ceil((samples * (WARMUP_SECONDS + SECONDS)) / 60)
    } min of load`,
  );

  const hotBalance = async () =>
    (await sql`
    select a.balance::int as balance,
           (select count(*)::int from public.wallet_entries e
             where e.account_id = a.id and e.kind = 'consume' and e.reason = 'bench consume') as consumed
      from public.wallet_accounts a where a.user_id = md5('bench-user-1')::uuid and a.app_id = 'pickitchen'`)[0] as {
      balance: number;
      consumed: number;
    };
  const ledgerBefore = await hotBalance();
  for (const s of scenarios.filter((s) => !s.key.startsWith('5'))) await run(s);

  if (wanted('4')) {
    const violations = await sql`select * from internal.ledger_violations()`;
    const { balance: after, consumed } = await hotBalance();
    const before = ledgerBefore.balance;
    notes.ledger = {
      violations: violations.length,
      hot_account: { before, after, consumed, serialised: before - consumed === after },
    };
    log(`ledger after the run: ${violations.length} violations; hot account ${before} - ${consumed} = ${after}`);
  }

  if (wanted('5')) {
    // Worker drain: the offline provider (3 polls, no waiting between them), the video stored through Storage.
    const config = loadConfig({
      SUPABASE_URL: stack.apiUrl,
      SUPABASE_DB_URL: stack.dbUrl,
      JWT_SECRET: stack.keys.jwtSecret,
      SUPABASE_SERVICE_ROLE_KEY: stack.keys.serviceRoleKey,
      DB_POOL_MAX: '4',
    });
    const db = createDb(config);
    const handler = emojiJobHandler({
      provider: () => new OfflineEmojiProvider(),
      store: () => createObjectStore(config),
      settings: { pollIntervalMs: 0 },
    });
    // A fixed batch of 200 tasks, drained to the end: each is four job runs (create the provider task, two
    // polls, the third poll with download and store).
    await sql.begin(async (tx) => {
      await tx`select set_config('role', 'service_role', true)`;
      await tx`
        select internal.emoji_task_create(
                 md5('bench-user-' || n)::uuid, 'pickitchen/' || md5('bench-user-' || n)::uuid || '/sources/bench.jpg',
                 'mengwa_kaixin', 'drain-' || n, interval '1 hour')
          from generate_series(1, 200) n`;
    });
    const drainStart = Date.now();
    let runs = 0;
    for (;;) {
      const r = await runWorker(db, { [EMOJI_QUEUE]: handler }, {
        worker: 'bench',
        queues: [EMOJI_QUEUE],
        budgetMs: 5000,
        batchSize: 20,
        leaseSeconds: 60,
      });
      runs += r.claimed;
      const [{ left }] = await sql`
          select count(*)::int as left from pickitchen.emoji_tasks
           where idempotency_key like 'drain-%' and status not in ('completed', 'failed')`;
      if (left === 0 || Date.now() - drainStart > 120_000) break;
    }
    const drainSeconds = (Date.now() - drainStart) / 1000;
    const [{ done }] = await sql`
        select count(*)::int as done from pickitchen.emoji_tasks
         where idempotency_key like 'drain-%' and status = 'completed'`;
    await db.end();
    notes.worker_drain = {
      tasks: 200,
      completed: done,
      seconds: Math.round(drainSeconds * 10) / 10,
      tasks_per_s: Math.round((done / drainSeconds) * 10) / 10,
      job_runs_per_s: Math.round((runs / drainSeconds) * 10) / 10,
    };
    log(`worker drain: ${JSON.stringify(notes.worker_drain)}`);
    for (const s of scenarios.filter((s) => s.key.startsWith('5'))) await run(s);
  }
} finally {
  await sql.end();
  await stopAll();
}

// Output: the table, the record in a file of its own, and the record's checks read back from that file.
console.log(`\n${formatTable(rows)}`);
console.log(
  [
    `\nmedians of ${REPEATS} samples of ${SECONDS} s, each after a ${WARMUP_SECONDS} s warm-up`,
    'min-max over the samples',
    'latencies in ms',
    'cpu fn / cpu pg: CPU ms per request of the functions (Deno) and of Postgres',
    `conns: database connections the API used (of ${API_DB_CONNECTIONS})`,
    "pg conns: pgbench's",
    "api/db: API req/s as a share of pgbench's, matched and at wrk's concurrency",
    `ledger: ${JSON.stringify(notes.ledger)}`,
    `worker: ${JSON.stringify(notes.worker_drain)}`,
  ].join('; '),
);

const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memory_gb: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  node: process.version,
  deno: denoVersion(),
};
const record: RunRecord = {
  format: 2,
  started_at: startedAt.toISOString(),
  finished_at: new Date().toISOString(),
  machine,
  only: ONLY ?? null,
  env: process.env.BENCH_ENV ?? null,
  method: {
    seconds_per_sample: SECONDS,
    warmup_seconds: WARMUP_SECONDS,
    repeats: REPEATS,
    spread: 'min-max over the repeats',
    api_db_connections: API_DB_CONNECTIONS,
  },
  rows,
  notes,
};
const resultsDir = join(ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
// A partial run (BENCH_ONLY) or one with overridden settings (BENCH_ENV) says so in its name.
const variant = [ONLY && `only-${ONLY.join('-')}`, process.env.BENCH_ENV].filter(Boolean).join('-').replace(
  /[^\w.-]+/g,
  '-',
);
const out = writeRecord(resultsDir, record, variant);
log(`wrote ${out}`);
const problems = checkRecord(JSON.parse(readFileSync(out, 'utf8')) as RunRecord);
if (problems.length) {
  log(`this run may not be quoted:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else {
  log('checked: every cell has its samples, medians within their spreads, matched connections, no errors');
}
