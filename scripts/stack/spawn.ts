// Children of the stack die with it: on Linux, `setpriv --pdeathsig` asks the kernel to signal a child
// when its parent goes away, even if the parent is killed outright and never runs its clean-up.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';

/** The `postgres` OS user, when we are root (PostgreSQL refuses to run as root). */
export function postgresOsUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0) throw new Error('Running as root needs the `postgres` OS user (created by the postgresql-15 package).');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export function spawnBound(
  command: string,
  args: string[],
  opts: SpawnOptions & { deathSignal: NodeJS.Signals; asUser?: { uid: number; gid: number } },
): ChildProcess {
  const { deathSignal, asUser, ...spawnOpts } = opts;
  if (!existsSync(SETPRIV)) return spawn(command, args, { ...spawnOpts, ...(asUser ?? {}) });
  const creds = asUser ? [`--reuid=${asUser.uid}`, `--regid=${asUser.gid}`, '--init-groups'] : [];
  return spawn(SETPRIV, [...creds, '--pdeathsig', deathSignal, '--', command, ...args], spawnOpts);
}
