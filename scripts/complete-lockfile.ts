// The npm registry this project is built from lacks some platform builds of the Deno and Supabase CLI
// binaries (only linux-x64 is mirrored). `npm install` then leaves those optional packages out of
// package-lock.json, and `npm ci` refuses a lockfile with missing optional entries. This adds each missing
// entry with its os/cpu/libc, exactly what npm records for a platform package; npm ci skips them on other
// platforms and never downloads them here. Run it after `npm install` changes the lockfile (a unit test
// fails until you do).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack/project.ts';
import process from 'node:process';

type LockEntry = {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optionalDependencies?: Record<string, string>;
};
type Lock = { packages: Record<string, LockEntry> };

const LOCKFILE = join(ROOT, 'package-lock.json');
const OS: Record<string, string> = { darwin: 'darwin', linux: 'linux', windows: 'win32', win32: 'win32' };

/** Platform of a package named like @deno/linux-x64-glibc or @supabase/cli-windows-arm64. */
export function platformOf(name: string): Pick<LockEntry, 'os' | 'cpu' | 'libc'> | undefined {
  const m = /(darwin|linux|windows|win32)-(x64|arm64)(?:-(musl|glibc))?$/.exec(name);
  if (!m) return undefined;
  return { os: [OS[m[1]]], cpu: [m[2]], ...(m[3] ? { libc: [m[3]] } : {}) };
}

export function missingPlatformEntries(lock: Lock): Array<[string, LockEntry]> {
  const missing: Array<[string, LockEntry]> = [];
  for (const entry of Object.values(lock.packages)) {
    for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const platform = platformOf(name);
      if (!platform || lock.packages[`node_modules/${name}`]) continue;
      missing.push([`node_modules/${name}`, {
        version,
        ...(entry.dev ? { dev: true } : {}),
        optional: true,
        ...platform,
      }]);
    }
  }
  return missing;
}

export function readLock(): Lock {
  return JSON.parse(readFileSync(LOCKFILE, 'utf8')) as Lock;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lock = readLock();
  const missing = missingPlatformEntries(lock);
  for (const [key, entry] of missing) lock.packages[key] = entry;
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  );
  writeFileSync(LOCKFILE, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(missing.length ? `added ${missing.map(([k]) => k).join(', ')}` : 'lockfile already complete');
}
