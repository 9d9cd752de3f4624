// Running the stack's programs. Children of the stack die with it: on Linux, `setpriv --pdeathsig` asks the kernel
// to signal a child when its parent goes away, even if the parent is killed outright and never runs its clean-up.
// A program that fails says why in the first line of the error, where a summary that shows one line still has it.
import { type ChildProcess, spawn, type SpawnOptions, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import process from 'node:process';

const SETPRIV = '/usr/bin/setpriv';

export interface OsUser {
  uid: number;
  gid: number;
  home: string;
}

/** The `postgres` OS user, when we are root (PostgreSQL refuses to run as root). */
export function postgresOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  // name:password:uid:gid:gecos:home:shell
  const entry = spawnSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' });
  const fields = entry.status === 0 ? entry.stdout.trim().split(':') : [];
  if (fields.length < 7) {
    throw new Error('Running as root needs the `postgres` OS user (created by the postgresql-15 package).');
  }
  return { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] };
}

/** Options for running as another OS user, from a directory that user can enter. */
export const runAs = (
  user: OsUser | undefined,
): SpawnSyncOptions => (user ? { uid: user.uid, gid: user.gid, cwd: '/' } : {});

/** Whether `user` can reach `dir` (search permission on it and every directory above it). */
export function canEnter(user: OsUser, dir: string): boolean {
  return spawnSync('test', ['-x', dir], runAs(user)).status === 0;
}

/** The last `lines` lines of a log file, for an error message: '' when there is none. */
export function logTail(file: string, lines = 20): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
}

/** The line of a program's output that says what went wrong: the last error line, else the last line. */
export function errorLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.findLast((l) => /\b(error|fatal|panic)\b|denied|could not|cannot|no such/i.test(l)) ?? lines.at(-1) ??
    '';
}

/**
 * Runs a program to its end. On failure the error's first line names the program, how it ended (exit code, signal,
 * or why it could not start) and the error it printed; its whole output follows.
 */
export function runChecked(
  label: string,
  command: string,
  args: string[],
  opts: SpawnSyncOptions = {},
): { stdout: string; stderr: string } {
  const res = spawnSync(command, args, { ...opts, encoding: 'utf8' });
  const stdout = String(res.stdout ?? '');
  const stderr = String(res.stderr ?? '');
  if (res.status === 0) return { stdout, stderr };
  const how = res.error
    ? `could not run ${command}: ${res.error.message}`
    : res.signal
    ? `killed by ${res.signal}`
    : `exit ${res.status}`;
  const why = errorLine(stderr) || errorLine(stdout);
  throw new Error(
    `${label} failed (${how})${why ? `: ${why}` : ''}\n${[stdout, stderr].filter((s) => s.trim()).join('\n')}`,
  );
}

export function spawnBound(
  command: string,
  args: string[],
  opts: SpawnOptions & { deathSignal: NodeJS.Signals; asUser?: OsUser },
): ChildProcess {
  const { deathSignal, asUser, ...spawnOpts } = opts;
  // Another user's program starts where that user can enter (our directory may be private to us).
  const cwd = spawnOpts.cwd ?? (asUser ? '/' : undefined);
  if (!existsSync(SETPRIV)) {
    return spawn(command, args, { ...spawnOpts, cwd, ...(asUser ? { uid: asUser.uid, gid: asUser.gid } : {}) });
  }
  const creds = asUser ? [`--reuid=${asUser.uid}`, `--regid=${asUser.gid}`, '--init-groups'] : [];
  return spawn(SETPRIV, [...creds, '--pdeathsig', deathSignal, '--', command, ...args], { ...spawnOpts, cwd });
}
