// The two load generators: wrk (HTTP) and pgbench (the same SQL straight to Postgres), each run for a fixed time
// at a given concurrency, reporting requests/s, latency percentiles and errors.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CpuPerRequest } from './cpu.ts';

export interface LoadResult {
  concurrency: number;
  rps: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  errors: number;
  /** Non-2xx answers (wrk); part of errors. */
  non2xx?: number;
  /** Requests completed (wrk). */
  requests?: number;
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

/** wrk with two threads (one at concurrency 1), cycling through the prepared requests. */
export function runWrk(baseUrl: string, requests: HttpRequest[], concurrency: number, seconds: number, workDir: string, name: string): LoadResult {
  const file = join(workDir, `${name}.requests`);
  writeFileSync(file, requests.map((r) => [r.method, r.path, r.token, r.ip ?? '', r.freshKey ? '1' : '', r.body === undefined ? '' : JSON.stringify(r.body)].join('\t')).join('\n') + '\n');
  const threads = Math.min(2, concurrency);
  const out = spawnSync('wrk', ['-t', String(threads), '-c', String(concurrency), '-d', `${seconds}s`, '--timeout', '10s', '-s', join(here, 'requests.lua'), baseUrl, '--', file, `${name.replace(/\W+/g, '-')}-c${concurrency}-${Date.now()}`], { encoding: 'utf8' });
  const line = /WRK_RESULT (\{.*\})/.exec(out.stdout ?? '');
  if (!line) throw new Error(`wrk failed: ${out.stderr || out.stdout}`);
  const r = JSON.parse(line[1]);
  const errors = r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
  return {
    concurrency,
    rps: round(r.requests / (r.duration_us / 1e6)),
    p50_ms: round(r.p50_us / 1000), p95_ms: round(r.p95_us / 1000), p99_ms: round(r.p99_us / 1000),
    errors, non2xx: r.errors.status, requests: r.requests,
  };
}

/** pgbench with a custom script in the simple protocol (as the API sends its messages), per-transaction latencies from its log. */
export function runPgbench(dbUrl: string, script: string, concurrency: number, seconds: number, workDir: string, name: string, pgBin: string): LoadResult {
  const file = join(workDir, `${name}.sql`);
  writeFileSync(file, script);
  const url = new URL(dbUrl);
  const prefix = join(workDir, `pgbench-${name}-${concurrency}`);
  const out = spawnSync(join(pgBin, 'pgbench'), [
    '-h', url.hostname, '-p', url.port, '-U', decodeURIComponent(url.username), '-n', '-M', 'simple', '-c', String(concurrency), '-j', String(Math.min(2, concurrency)),
    '-T', String(seconds), '-f', file, '-r', '--log', `--log-prefix=${prefix}`, url.pathname.slice(1),
  ], { encoding: 'utf8', env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password), PGOPTIONS: '-c client_min_messages=error' }, cwd: workDir });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out.stdout ?? '');
  if (!tps) throw new Error(`pgbench failed: ${out.stderr || out.stdout}`);
  const failed = Number(/number of failed transactions: (\d+)/.exec(out.stdout)?.[1] ?? 0);
  const latencies = readPgbenchLogs(workDir, `pgbench-${name}-${concurrency}`);
  return { concurrency, rps: round(Number(tps[1])), ...percentiles(latencies), errors: failed };
}

function readPgbenchLogs(dir: string, prefix: string): number[] {
  const us: number[] = [];
  for (const f of readdirSync(dir).filter((f) => f.startsWith(prefix))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const cols = line.split(' ');
      if (cols.length > 3) us.push(Number(cols[2]));
    }
    rmSync(join(dir, f));
  }
  return us;
}

export function percentiles(latenciesUs: number[]) {
  const s = [...latenciesUs].sort((a, b) => a - b);
  const at = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] / 1000 : 0);
  return { p50_ms: round(at(50)), p95_ms: round(at(95)), p99_ms: round(at(99)) };
}

const round = (n: number) => Math.round(n * 100) / 100;
