// The two load generators: wrk (HTTP) and pgbench (the same SQL straight to Postgres), each run for a fixed time
// at a given concurrency after a warm-up that is left out, reporting requests/s, latency percentiles and errors.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CpuPerRequest } from './cpu.ts';
import process from 'node:process';

export interface LoadResult {
  concurrency: number;
  rps: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  errors: number;
  /** Non-2xx answers (wrk); part of errors. */
  non2xx?: number;
  /** Requests (wrk) or transactions (pgbench) completed in the measured run. */
  requests?: number;
  /** When the measured run began (ISO 8601). */
  started_at?: string;
  /** Database connections the functions ran a statement on during the measured run (API runs): the pool rotates
   *  through its idle connections, so this bounds how many were busy at once, it does not count them. */
  db_connections?: number;
  /** CPU milliseconds per request, of the functions and of Postgres (API runs on Linux). */
  cpu?: CpuPerRequest;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  token: string;
  /** The client's address, sent as X-Forwarded-For (the bench stack trusts one proxy hop more for it). */
  ip?: string;
  /** A new Idempotency-Key on every request (a spend that must really happen each time). */
  freshKey?: boolean;
  body?: unknown;
}

const here = new URL('.', import.meta.url).pathname;

export interface WrkRun {
  concurrency: number;
  seconds: number;
  /** A run of its own before the measured one, its figures dropped: the runtime's JIT, the pool's connections and
   *  the rate limiter's buckets are warm when measuring starts (wrk cannot leave a run's first seconds out). */
  warmupSeconds: number;
}

/** Adds what it counted over the measured run (CPU, connections used) once that run is done. */
export type Meter = () => (result: LoadResult) => Partial<LoadResult>;

/**
 * wrk with two threads (one at concurrency 1), cycling through the prepared requests: the warm-up, then the measured
 * run.
 */
export function runWrk(
  baseUrl: string,
  requests: HttpRequest[],
  run: WrkRun,
  workDir: string,
  name: string,
  meter?: Meter,
): LoadResult {
  const file = join(workDir, `${name}.requests`);
  writeFileSync(
    file,
    requests.map((r) =>
      [r.method, r.path, r.token, r.ip ?? '', r.freshKey ? '1' : '', r.body === undefined ? '' : JSON.stringify(r.body)]
        .join('\t')
    ).join('\n') + '\n',
  );
  const wrk = (seconds: number): LoadResult => {
    const threads = Math.min(2, run.concurrency);
    const startedAt = new Date().toISOString();
    const out = spawnSync('wrk', [
      '-t',
      String(threads),
      '-c',
      String(run.concurrency),
      '-d',
      `${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      join(here, 'requests.lua'),
      baseUrl,
      '--',
      file,
      `${name.replace(/\W+/g, '-')}-c${run.concurrency}-${Date.now()}`,
    ], { encoding: 'utf8' });
    const line = /WRK_RESULT (\{.*\})/.exec(out.stdout ?? '');
    if (!line) throw new Error(`wrk failed: ${out.stderr || out.stdout}`);
    const r = JSON.parse(line[1]);
    const errors = r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
    return {
      concurrency: run.concurrency,
      started_at: startedAt,
      rps: round(r.requests / (r.duration_us / 1e6)),
      p50_ms: round(r.p50_us / 1000),
      p95_ms: round(r.p95_us / 1000),
      p99_ms: round(r.p99_us / 1000),
      errors,
      non2xx: r.errors.status,
      requests: r.requests,
    };
  };
  if (run.warmupSeconds > 0) wrk(run.warmupSeconds);
  const counted = meter?.();
  const result = wrk(run.seconds);
  return { ...result, ...counted?.(result) };
}

/**
 * How pgbench sends a script: `simple` (one Query message per line, `\;` joining statements into one) or `prepared`
 * (extended protocol with bound parameters, as postgres.js sends a tagged query on the bench stack's DB_PREPARE=true;
 * `\startpipeline` groups round trips as functions/_shared/db.ts pipelines them).
 */
export type PgbenchProtocol = 'simple' | 'prepared';

export interface PgbenchRun {
  script: string;
  protocol: PgbenchProtocol;
  /** Database connections: pgbench runs one client per connection. */
  clients: number;
  seconds: number;
  /** Run first on the same connections and left out of the figures (server caches, each backend's plans). */
  warmupSeconds: number;
}

/**
 * pgbench with a custom script; throughput, latency percentiles and failures come from its per-transaction log,
 * counting only transactions that ended after the warm-up.
 */
export function runPgbench(dbUrl: string, run: PgbenchRun, workDir: string, name: string, pgBin: string): LoadResult {
  const file = join(workDir, `${name}.sql`);
  writeFileSync(file, run.script);
  const url = new URL(dbUrl);
  const prefix = `pgbench-${name}-${run.clients}`;
  const startedAt = new Date().toISOString();
  const out = spawnSync(join(pgBin, 'pgbench'), [
    '-h',
    url.hostname,
    '-p',
    url.port,
    '-U',
    decodeURIComponent(url.username),
    '-n',
    '-M',
    run.protocol,
    '-c',
    String(run.clients),
    '-j',
    String(Math.min(2, run.clients)),
    '-T',
    String(run.warmupSeconds + run.seconds),
    '-f',
    file,
    '--log',
    `--log-prefix=${join(workDir, prefix)}`,
    url.pathname.slice(1),
  ], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password), PGOPTIONS: '-c client_min_messages=error' },
    cwd: workDir,
  });
  const log = readPgbenchLogs(workDir, prefix);
  if (!/number of transactions actually processed/.test(out.stdout ?? '') || log.length === 0) {
    throw new Error(`pgbench failed: ${out.stderr || out.stdout}`);
  }
  // A client that hits an error it cannot retry stops ("client 3 aborted in command 1"): one error, and no more load
  // from it.
  const aborted = (out.stderr.match(/^client \d+ aborted/gm) ?? []).length;
  const measured = afterWarmup(log, run.warmupSeconds);
  return { concurrency: run.clients, started_at: startedAt, ...measured, errors: measured.errors + aborted };
}

/**
 * One line of pgbench's transaction log: when it ended (µs since the epoch) and its latency (µs), or that it failed.
 */
export interface PgbenchTransaction {
  endUs: number;
  latencyUs: number | 'failed';
}

/**
 * The figures of the transactions that ended after the warm-up: the run starts when its first transaction does, and
 * the measured window runs from warm-up's end to the last transaction's end.
 */
export function afterWarmup(
  log: PgbenchTransaction[],
  warmupSeconds: number,
): { rps: number; p50_ms: number; p95_ms: number; p99_ms: number; errors: number; requests: number } {
  const done = log.filter((t): t is { endUs: number; latencyUs: number } => t.latencyUs !== 'failed');
  // Loops, not Math.min(...xs): a 13-second pgbench run logs more transactions than a call can take arguments.
  const start = done.reduce((min, t) => Math.min(min, t.endUs - t.latencyUs), Infinity);
  const from = start + warmupSeconds * 1e6;
  const inWindow = log.filter((t) => t.endUs > from);
  const ok = inWindow.filter((t): t is { endUs: number; latencyUs: number } => t.latencyUs !== 'failed');
  const seconds = (inWindow.reduce((max, t) => Math.max(max, t.endUs), -Infinity) - from) / 1e6;
  return {
    rps: round(ok.length / seconds),
    ...percentiles(ok.map((t) => t.latencyUs)),
    errors: inWindow.length - ok.length,
    requests: ok.length,
  };
}

/**
 * Reads and deletes pgbench's log files (one per thread): `client transaction latency|failed script epoch_s epoch_us
 * …`.
 */
function readPgbenchLogs(dir: string, prefix: string): PgbenchTransaction[] {
  const log: PgbenchTransaction[] = [];
  for (const f of readdirSync(dir).filter((f) => f.startsWith(`${prefix}.`))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const cols = line.split(' ');
      if (cols.length < 6) continue;
      log.push({
        endUs: Number(cols[4]) * 1e6 + Number(cols[5]),
        latencyUs: cols[2] === 'failed' ? 'failed' : Number(cols[2]),
      });
    }
    rmSync(join(dir, f));
  }
  return log;
}

export function percentiles(latenciesUs: number[]) {
  const s = [...latenciesUs].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] / 1000 : 0);
  return { p50_ms: round(at(50)), p95_ms: round(at(95)), p99_ms: round(at(99)) };
}

const round = (n: number) => Math.round(n * 100) / 100;
