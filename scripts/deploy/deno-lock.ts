// Deno 2.1 (the hosted Edge Runtime's line) over a staged function as the remote bundler sees it: npm packages come
// from the registry into DENO_DIR, never from node_modules, and versions are held by the function's own deno.lock.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DENO } from '../stack/deno.ts';
import { runChecked } from '../stack/spawn.ts';
import process from 'node:process';

/**
 * Deno 2.1.14 type-checks every graph with npm packages against `npm:@types/node@*` and, under `--frozen`, wants
 * that specifier in the lock, but never writes it there itself: the lock is made with it as an extra root.
 */
const NODE_TYPES = 'npm:@types/node@*';

/** From the shell, only how to reach the registry; no DENO_* or npm setting may change what resolves. */
const PASSED =
  /^(PATH|HOME|TMPDIR|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|NPM_CONFIG_REGISTRY|SSL_CERT_(FILE|DIR))$/;

let npmCafile: string | undefined | null = null;

/** The certificate authority npm is configured with (Deno reads no npm configuration, and fails with UnknownIssuer). */
function npmCertificateAuthority(): string | undefined {
  if (npmCafile === null) {
    const out = spawnSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8' }).stdout?.trim();
    npmCafile = out && out !== 'null' && out !== 'undefined' ? out : undefined;
  }
  return npmCafile;
}

/**
 * The environment Deno runs a staged function with: `denoDir` as its cache (a fresh folder for a clean one, else
 * the shell's), no package.json discovery (as the CLI bundles a function that has a deno.json), npm's CA.
 */
export function denoRegistryEnv(denoDir?: string): Record<string, string> {
  const env: Record<string, string> = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && PASSED.test(e[0])),
  );
  const dir = denoDir ?? process.env.DENO_DIR;
  const cert = process.env.DENO_CERT ?? npmCertificateAuthority();
  return {
    ...env,
    ...(dir ? { DENO_DIR: dir } : {}),
    ...(cert ? { DENO_CERT: cert } : {}),
    DENO_NO_PACKAGE_JSON: '1',
    DENO_NO_UPDATE_CHECK: '1',
    NO_COLOR: '1',
  };
}

/** Writes `<dir>/deno.lock` for exactly the graph of `<dir>/index.ts` under `<dir>/deno.json`. */
export function writeLock(dir: string, env: Record<string, string>): void {
  rmSync(join(dir, 'deno.lock'), { force: true });
  runChecked('deno cache', DENO, ['cache', '--config=deno.json', '--lock=deno.lock', 'index.ts', NODE_TYPES], {
    cwd: dir,
    env,
  });
}

/**
 * `deno check` of a staged function by its own deno.json and frozen lock, from its folder: exit status and output.
 * Resolving the graph is part of the check, so a missing module, package or lock entry fails it too.
 */
export function checkFrozen(dir: string, env: Record<string, string>): { ok: boolean; output: string } {
  const res = spawnSync(DENO, ['check', '--config=deno.json', '--lock=deno.lock', '--frozen', 'index.ts'], {
    cwd: dir,
    env,
    encoding: 'utf8',
  });
  // Without the progress lines (a clean cache downloads hundreds of packages), so a failure shows its error first.
  const output = [res.error?.message, res.stdout, res.stderr]
    .filter(Boolean)
    .join('\n')
    .split('\n')
    .filter((line) => !line.startsWith('Download '))
    .join('\n')
    .trim();
  return { ok: res.status === 0, output };
}
