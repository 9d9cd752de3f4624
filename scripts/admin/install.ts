// Installs a pinned tool on first use, outside the project's own dependencies: its package.json and lock file are
// committed in a folder of their own (scripts/admin/dbgate/), and `npm ci` puts exactly that into .local/tools/<name>.
// The project's `npm ci` and CI never download it. A stamp (the hash of the manifest and lock installed) makes later
// runs instant, and a changed lock (a version bump) installs again.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PinnedTool {
  /** Shown in messages. */
  label: string;
  /** The committed package.json and package-lock.json. */
  sourceDir: string;
  /** Where it is installed (git-ignored). */
  installDir: string;
  /** The program to run, relative to installDir. */
  entry: string;
}

const MANIFESTS = ['package.json', 'package-lock.json'];
const STAMP = '.installed-lock.sha256';

/** What the committed manifest and lock pin, as one value: installed is current when the stamp holds it. */
export function pinHash(tool: PinnedTool): string {
  const hash = createHash('sha256');
  for (const file of MANIFESTS) hash.update(readFileSync(join(tool.sourceDir, file)));
  return hash.digest('hex');
}

export function isInstalled(tool: PinnedTool): boolean {
  const stamp = join(tool.installDir, STAMP);
  return existsSync(join(tool.installDir, tool.entry)) && existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === pinHash(tool);
}

/** Runs `npm ci` in a directory; throws with npm's output when it fails. */
export type NpmCi = (dir: string) => void;

export const npmCi: NpmCi = (dir) => {
  // --ignore-scripts: nothing DbGate needs for Postgres builds natively (ssh2's optional native part falls back to JS).
  const res = spawnSync(
    'npm',
    ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (res.status !== 0) {
    throw new Error(
      `npm ci in ${dir} failed (${res.error?.message ?? `exit ${res.status}`})\n${res.stdout ?? ''}${res.stderr ?? ''}`,
    );
  }
};

/**
 * Installs `tool` unless the pinned version is already there. Returns whether it installed. The stamp is written
 * only after `npm ci` succeeded, so an interrupted install is redone next time.
 */
export function ensureInstalled(
  tool: PinnedTool,
  { install = npmCi, onInstall }: { install?: NpmCi; onInstall?: () => void } = {},
): boolean {
  if (isInstalled(tool)) return false;
  onInstall?.();
  rmSync(join(tool.installDir, STAMP), { force: true });
  mkdirSync(tool.installDir, { recursive: true });
  for (const file of MANIFESTS) copyFileSync(join(tool.sourceDir, file), join(tool.installDir, file));
  install(tool.installDir);
  if (!existsSync(join(tool.installDir, tool.entry))) {
    throw new Error(`${tool.label}: npm ci finished but ${tool.entry} is missing`);
  }
  writeFileSync(join(tool.installDir, STAMP), pinHash(tool));
  return true;
}
