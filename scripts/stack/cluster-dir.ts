// Where a stack's PostgreSQL data directory lives: <stack dir>/pgdata, unless the server cannot reach it there.
// As root the server runs as the `postgres` OS user, which cannot enter a checkout inside a private directory (a clone
// under /root, or any home of mode 700). Then the data directory goes to that user's own home, under
// houtai/<stack>-<hash>/pgdata, private to it, beside a note naming the stack directory it belongs to. The checkout's
// directories keep their permissions. Removing a stack removes both places.
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { canEnter, type OsUser, postgresOsUser } from './spawn.ts';

const OWNER_NOTE = 'stack-dir';

/** The stack's directory in the postgres user's home (used only when the stack directory is out of its reach). */
function homeStackDir(user: OsUser, stackDir: string): string {
  const abs = resolve(stackDir);
  const hash = createHash('sha256').update(abs).digest('hex').slice(0, 12);
  return join(user.home, 'houtai', `${basename(abs)}-${hash}`);
}

/** Where the stack's cluster is, or will be made. Creates nothing. */
export function clusterDataDir(stackDir: string): string {
  const inside = join(stackDir, 'pgdata');
  const user = postgresOsUser();
  if (!user) return inside;
  const outside = join(homeStackDir(user, stackDir), 'pgdata');
  // A cluster already made stays where it is.
  if (existsSync(join(outside, 'PG_VERSION'))) return outside;
  if (existsSync(join(inside, 'PG_VERSION'))) return inside;
  return existsSync(stackDir) && canEnter(user, stackDir) ? inside : outside;
}

/** Removes the directories of stacks whose stack directory is gone (deleted checkouts, killed test runs). */
function removeOrphans(base: string): void {
  if (!existsSync(base)) return;
  for (const name of readdirSync(base)) {
    const note = join(base, name, OWNER_NOTE);
    if (existsSync(note) && !existsSync(readFileSync(note, 'utf8').trim())) {
      rmSync(join(base, name), { recursive: true, force: true });
    }
  }
}

/**
 * The stack's data directory, with the directories above it made when it lives in the postgres user's home. Stops
 * with the cause and the fix when the server could reach neither place.
 */
export function prepareClusterDir(stackDir: string): string {
  const dataDir = clusterDataDir(stackDir);
  const user = postgresOsUser();
  if (!user) return dataDir;
  const own = homeStackDir(user, stackDir);
  if (dataDir !== join(own, 'pgdata')) {
    if (existsSync(join(dataDir, 'PG_VERSION')) && !canEnter(user, stackDir)) {
      throw new Error(
        `The postgres OS user can no longer enter ${
          resolve(stackDir)
        }, where this stack's database is (${dataDir}).\n` +
          'Make that path reachable for it again, or run `npm run reset` to start afresh in its home directory.',
      );
    }
    return dataDir;
  }
  if (!existsSync(user.home) || !canEnter(user, user.home)) {
    throw new Error(
      `The postgres OS user cannot enter ${resolve(stackDir)} (a private directory, e.g. a home of mode 700), ` +
        `and its own home ${user.home} is missing or out of its reach too.\n` +
        'Give it a home it owns (e.g. `usermod -d /var/lib/postgresql postgres`), ' +
        'or clone the project where it can enter.',
    );
  }
  removeOrphans(dirname(own));
  for (const dir of [dirname(own), own]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chownSync(dir, user.uid, user.gid);
  }
  writeFileSync(join(own, OWNER_NOTE), `${resolve(stackDir)}\n`);
  return dataDir;
}

/** Removes a stack: its directory, and its cluster's directory in the postgres user's home if it has one. */
export function removeStackFiles(stackDir: string): void {
  const user = postgresOsUser();
  if (user) rmSync(homeStackDir(user, stackDir), { recursive: true, force: true });
  rmSync(stackDir, { recursive: true, force: true });
}
