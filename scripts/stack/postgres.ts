// A private PostgreSQL 15 cluster in a directory of our own (cluster-dir.ts says where), run as a child process of
// the stack. PostgreSQL refuses to run as root, so as root the cluster belongs to, and runs as, the `postgres` OS user.
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { PG_BIN } from './system-deps.ts';
import { errorLine, logTail, postgresOsUser, runAs, runChecked, spawnBound } from './spawn.ts';
import process from 'node:process';

export interface ClusterOptions {
  dataDir: string;
  logFile: string;
  port: number;
  /** Test clusters trade durability for speed: fsync and friends off. */
  throwaway: boolean;
}

export function dbUrl(port: number): string {
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
}

/** initdb on first use; later starts reuse the data. */
export function ensureCluster(opts: ClusterOptions): boolean {
  if (existsSync(join(opts.dataDir, 'PG_VERSION'))) return false;
  const user = postgresOsUser();
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  if (user) chownSync(opts.dataDir, user.uid, user.gid);
  runChecked('initdb', `${PG_BIN}/initdb`, [
    '-D',
    opts.dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ], runAs(user));
  const settings = [
    "listen_addresses = '127.0.0.1'",
    "unix_socket_directories = ''",
    "shared_preload_libraries = 'pg_cron'",
    "cron.database_name = 'postgres'",
    'max_connections = 200',
    "shared_buffers = '256MB'",
    "timezone = 'UTC'",
    ...(opts.throwaway ? ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off'] : []),
  ];
  appendFileSync(join(opts.dataDir, 'postgresql.conf'), `\n# houtai local stack\n${settings.join('\n')}\n`);
  return true;
}

/** Refuse to start a second server on a data directory whose server is still running. */
export function runningPid(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export function startPostgres(opts: ClusterOptions): ChildProcess {
  const pid = runningPid(opts.dataDir);
  if (pid) {
    throw new Error(`PostgreSQL is already running on ${opts.dataDir} (pid ${pid}). Is another \`npm start\` up?`);
  }
  const log = openSync(opts.logFile, 'a');
  // SIGINT is PostgreSQL's fast shutdown: clients disconnected, data flushed, no recovery on next start. In a process
  // group of its own (detached), a terminal's Ctrl-C does not reach it: the stack stops it after the gateway, whose
  // functions still write to it while they stop.
  return spawnBound(`${PG_BIN}/postgres`, ['-D', opts.dataDir, '-p', String(opts.port)], {
    stdio: ['ignore', log, log],
    detached: true,
    deathSignal: 'SIGINT',
    asUser: postgresOsUser(),
  });
}

export async function waitForPostgres(
  port: number,
  child: ChildProcess,
  logFile: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) break;
    const sql = postgres(dbUrl(port), { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  const tail = logTail(logFile);
  throw new Error(
    `PostgreSQL ${exited ? 'exited' : 'did not become ready'} on port ${port}: ${errorLine(tail) || 'no log'}\n${tail}`,
  );
}
