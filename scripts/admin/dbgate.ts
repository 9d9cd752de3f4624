// The local admin tool: DbGate (community edition, npm `dbgate-serve`, pinned in scripts/admin/dbgate/), a web UI
// for the stack's database, standing in for Supabase Studio, which needs Docker. It runs as a child of the process
// that started it, bound to 127.0.0.1, and is stopped by its PID; its own worker processes end when it does.
import { mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dbgateEnv } from './dbgate-env.ts';
import { ensureInstalled, type PinnedTool } from './install.ts';
import { LOCAL_DIR } from '../stack/project.ts';
import { isFree } from '../stack/ports.ts';
import { spawnBound } from '../stack/spawn.ts';
import { exited, isAlive, stopChild, waitForHttp } from '../stack/stack.ts';
import process from 'node:process';

const HERE = dirname(fileURLToPath(import.meta.url));

export const DBGATE: PinnedTool = {
  label: 'DbGate',
  sourceDir: join(HERE, 'dbgate'),
  installDir: join(LOCAL_DIR, 'tools/dbgate'),
  entry: 'node_modules/dbgate-serve/bin/dbgate-serve.js',
};

/** Makes every listen() without an address bind 127.0.0.1 (DbGate has no setting for it). */
export const LOOPBACK_PRELOAD = join(HERE, 'loopback.cjs');

export interface AdminToolOptions {
  dbUrl: string;
  port: number;
  /** DbGate's settings and history; its log goes to dbgate.log there. */
  workspaceDir: string;
  /** Told before a first-use install starts (it takes a while). */
  onInstall?: () => void;
}

export interface AdminTool {
  url: string;
  pid: number;
  logFile: string;
  /** Resolves when DbGate exits, for whatever reason. */
  exited: Promise<void>;
  stop(): Promise<void>;
}

export async function startAdminTool(opts: AdminToolOptions): Promise<AdminTool> {
  if (!(await isFree(opts.port))) {
    // DbGate would quietly take another port, and the URL we print would be wrong.
    throw new Error(`port ${opts.port} on 127.0.0.1 is taken (is \`npm run admin\` already running?)`);
  }
  ensureInstalled(DBGATE, { onInstall: opts.onInstall });
  mkdirSync(opts.workspaceDir, { recursive: true });
  const logFile = join(opts.workspaceDir, 'dbgate.log');
  const log = openSync(logFile, 'a');
  const child = spawnBound(process.execPath, ['--require', LOOPBACK_PRELOAD, join(DBGATE.installDir, DBGATE.entry)], {
    // DbGate loads a .env from its working directory: its install directory has none.
    cwd: DBGATE.installDir,
    env: dbgateEnv({ dbUrl: opts.dbUrl, port: opts.port, workspaceDir: opts.workspaceDir, inherited: process.env }),
    stdio: ['ignore', log, log],
    deathSignal: 'SIGTERM',
  });
  const url = `http://127.0.0.1:${opts.port}`;
  // SIGTERM: DbGate closes its server and exits; its forked workers notice their parent is gone within a second.
  const stop = () => stopChild(child, 'SIGTERM');
  try {
    await waitForHttp(`${url}/`, child, logFile, 60_000, 'DbGate');
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid: child.pid!, logFile, exited: exited(child), stop };
}

/**
 * Stops `tool` once any of `pids` (the stack it serves: `npm start`'s supervisor, postgres) has exited, checked every
 * second. Resolves with why it ended: the stack went away, or the tool exited on its own.
 */
export function stopWhenGone(tool: AdminTool, pids: number[]): Promise<'stack gone' | 'tool exited'> {
  let stackGone = false;
  const timer = setInterval(() => {
    if (pids.every(isAlive)) return;
    stackGone = true;
    clearInterval(timer);
    void tool.stop();
  }, 1000);
  return tool.exited.then(() => {
    clearInterval(timer);
    return stackGone ? 'stack gone' : 'tool exited';
  });
}
