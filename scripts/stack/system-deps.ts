// The Debian packages the local stack needs. Missing ones are installed when we are root on Debian/Ubuntu;
// otherwise we stop with the exact command to run.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import process from 'node:process';

export const PG_BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const PG_LIB = process.env.PG_LIB_DIR ?? '/usr/lib/postgresql/15/lib';
const PG_SHARE = process.env.PG_SHARE_DIR ?? '/usr/share/postgresql/15';

const REQUIRED: Array<{ pkg: string; file: string }> = [
  { pkg: 'postgresql-15', file: `${PG_BIN}/postgres` },
  { pkg: 'postgresql-15-cron', file: `${PG_LIB}/pg_cron.so` },
  { pkg: 'postgresql-15-pgtap', file: `${PG_SHARE}/extension/pgtap.control` },
  { pkg: 'pgtap', file: '/usr/bin/pg_prove' },
  { pkg: 'postgresql-15-plpgsql-check', file: `${PG_LIB}/plpgsql_check.so` },
  // Tests run the functions' database layer behind it in transaction mode, as production runs behind Supavisor.
  { pkg: 'pgbouncer', file: '/usr/sbin/pgbouncer' },
];

export const INSTALL_COMMAND = `apt-get update && apt-get install -y ${REQUIRED.map((r) => r.pkg).join(' ')}`;

export function ensureSystemDeps(): void {
  const missing = () => REQUIRED.filter((r) => !existsSync(r.file)).map((r) => r.pkg);
  let absent = missing();
  if (absent.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  const isDebian = existsSync('/etc/debian_version');
  if (!isRoot || !isDebian) {
    throw new Error(`Missing system packages: ${absent.join(', ')}.\nInstall them with:\n  sudo ${INSTALL_COMMAND}`);
  }
  console.log(`[stack] installing ${absent.join(', ')} with apt-get`);
  const run = (args: string[]) =>
    spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  run(['update', '-qq']);
  run(['install', '-y', '-qq', ...absent]);
  absent = missing();
  if (absent.length > 0) {
    throw new Error(`apt-get could not install: ${absent.join(', ')}. Try by hand:\n  ${INSTALL_COMMAND}`);
  }
}
