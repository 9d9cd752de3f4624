// Installing the admin tool on first use (scripts/admin/install.ts): the version is pinned by a committed lock file,
// a second run installs nothing, and a changed lock or an interrupted install installs again.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DBGATE } from '../../scripts/admin/dbgate.ts';
import { ensureInstalled, isInstalled, type PinnedTool } from '../../scripts/admin/install.ts';

const scratch = mkdtempSync(join(tmpdir(), 'houtai-tool-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
/** A tool whose committed manifest and lock are in a scratch folder, installed into another. */
function scratchTool(): PinnedTool {
  const base = join(scratch, String(n++));
  const tool = {
    label: 'scratch',
    sourceDir: join(base, 'src'),
    installDir: join(base, 'installed'),
    entry: 'node_modules/tool/bin.js',
  };
  mkdirSync(tool.sourceDir, { recursive: true });
  writeFileSync(join(tool.sourceDir, 'package.json'), JSON.stringify({ dependencies: { tool: '1.0.0' } }));
  writeFileSync(
    join(tool.sourceDir, 'package-lock.json'),
    JSON.stringify({ packages: { 'node_modules/tool': { version: '1.0.0' } } }),
  );
  return tool;
}

/** Stands in for `npm ci`: records each run and what it was given, and writes the entry as npm would. */
function fakeNpmCi(tool: PinnedTool) {
  const runs: Array<{ manifest: string; lock: string }> = [];
  const install = (dir: string) => {
    runs.push({
      manifest: readFileSync(join(dir, 'package.json'), 'utf8'),
      lock: readFileSync(join(dir, 'package-lock.json'), 'utf8'),
    });
    mkdirSync(dirname(join(dir, tool.entry)), { recursive: true });
    writeFileSync(join(dir, tool.entry), '');
  };
  return { runs, install };
}

describe('installing the admin tool on first use', () => {
  it('runs npm ci once on the committed manifest and lock; a second run installs nothing', () => {
    const tool = scratchTool();
    const npm = fakeNpmCi(tool);
    expect(isInstalled(tool)).toBe(false);
    expect(ensureInstalled(tool, { install: npm.install })).toBe(true);
    expect(ensureInstalled(tool, { install: npm.install })).toBe(false);
    expect(npm.runs).toEqual([
      {
        manifest: readFileSync(join(tool.sourceDir, 'package.json'), 'utf8'),
        lock: readFileSync(join(tool.sourceDir, 'package-lock.json'), 'utf8'),
      },
    ]);
    expect(isInstalled(tool)).toBe(true);
  });

  it('installs again when the committed lock changes (a version bump)', () => {
    const tool = scratchTool();
    const npm = fakeNpmCi(tool);
    ensureInstalled(tool, { install: npm.install });
    const bumped = JSON.stringify({ packages: { 'node_modules/tool': { version: '1.0.1' } } });
    writeFileSync(join(tool.sourceDir, 'package-lock.json'), bumped);
    expect(isInstalled(tool)).toBe(false);
    expect(ensureInstalled(tool, { install: npm.install })).toBe(true);
    expect(npm.runs.map((r) => r.lock).at(-1)).toBe(bumped);
  });

  it('installs again after an install that failed half-way', () => {
    const tool = scratchTool();
    const npm = fakeNpmCi(tool);
    const failing = (dir: string) => {
      npm.install(dir); // the entry is on disk, as after an interrupted npm ci
      throw new Error('npm ci failed (exit 1)');
    };
    expect(() => ensureInstalled(tool, { install: failing })).toThrow('npm ci failed');
    expect(existsSync(join(tool.installDir, tool.entry))).toBe(true);
    expect(isInstalled(tool)).toBe(false);
    expect(ensureInstalled(tool, { install: npm.install })).toBe(true);
    expect(npm.runs).toHaveLength(2);
  });
});

describe("DbGate's pin (scripts/admin/dbgate/)", () => {
  const manifest = JSON.parse(readFileSync(join(DBGATE.sourceDir, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(DBGATE.sourceDir, 'package-lock.json'), 'utf8'));

  it('names an exact version, and the lock holds that version with an integrity hash for every package', () => {
    const version: string = manifest.dependencies['dbgate-serve'];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(lock.packages['']?.dependencies).toEqual(manifest.dependencies);
    expect(lock.packages['node_modules/dbgate-serve'].version).toBe(version);
    const unpinned = Object.entries<{ integrity?: string; link?: boolean }>(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.link && !entry.integrity)
      .map(([path]) => path);
    expect(unpinned).toEqual([]);
  });
});
