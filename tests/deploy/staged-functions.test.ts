// Each function as `npm run deploy` uploads it, checked as Supabase's remote bundler sees it. The functions are
// staged as the deploy stages them, outside the repository; the real Supabase CLI deploys each from there
// (`functions deploy <name> --use-api`) to a local stand-in for the Management API, which keeps the files it was
// sent. Those files alone, rebuilt in a folder with no node_modules, package.json or deno.json above it, are then
// resolved and type-checked by Deno 2.1 with only the function's own deno.json and frozen lock, npm packages
// fetched from the registry into a DENO_DIR made empty at the start of this file.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCALAR_SCRIPT_FILE } from '../../functions/_shared/http/docs-script.ts';
import { deployStaged } from '../../scripts/deploy/cli.ts';
import { checkFrozen, denoRegistryEnv } from '../../scripts/deploy/deno-lock.ts';
import { importsLeaving } from '../../scripts/deploy/modules.ts';
import { type StagedFunction, stageFunctions } from '../../scripts/deploy/stage.ts';
import { readProjectConfig, ROOT } from '../../scripts/stack/project.ts';
import { type FakeManagementApi, type FunctionUpload, startFakeManagementApi } from '../fakes/supabase-management.ts';

const NAMES = Object.keys(readProjectConfig().functions).sort();
const REF = 'abcdefghijklmnopqrst';
const base = mkdtempSync(join(tmpdir(), 'houtai-deploy-'));
const stage = join(base, 'stage');
const cleanDenoDir = join(base, 'deno-dir');

const staged: Record<string, StagedFunction> = {};
const uploads: Record<string, FunctionUpload> = {};
/** What the CLI printed while deploying each function. */
const cliOutput: Record<string, string> = {};
let api: FakeManagementApi;
let stagedDigest: Record<string, string>;

/** Every file under `dir` by relative path, with a digest of its bytes. */
function treeDigest(dir: string): Record<string, string> {
  const digest: Record<string, string> = {};
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else digest[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return digest;
}

/** The folder a function's upload is rebuilt in: the uploaded names are paths relative to the CLI's workdir. */
const uploadedDir = (name: string) => join(base, 'uploaded', name, 'supabase/functions', name);

beforeAll(async () => {
  mkdirSync(cleanDenoDir);
  for (const fn of stageFunctions({ out: stage, denoEnv: denoRegistryEnv() })) staged[fn.name] = fn;
  stagedDigest = treeDigest(stage); // before the CLI adds its supabase/.temp
  api = await startFakeManagementApi();
  // The CLI takes the Management API's address from a profile (SUPABASE_PROFILE may name a profile file).
  const profile = join(base, 'profile.json');
  writeFileSync(
    profile,
    JSON.stringify({ name: 'fake', api_url: api.url, dashboard_url: api.url, project_host: 'fake.local' }),
  );
  for (const name of NAMES) {
    const res = await deployStaged(stage, name, REF, {
      capture: true,
      env: { SUPABASE_PROFILE: profile, SUPABASE_ACCESS_TOKEN: `sbp_${'0'.repeat(40)}`, HOME: join(base, 'home') },
    });
    if (res.code !== 0) throw new Error(`supabase functions deploy ${name} failed (exit ${res.code}):\n${res.output}`);
    cliOutput[name] = res.output;
    const upload = api.uploads.find((u) => u.slug === name);
    if (!upload) throw new Error(`supabase functions deploy ${name} uploaded nothing:\n${res.output}`);
    uploads[name] = upload;
    for (const [file, bytes] of upload.files) {
      const path = join(base, 'uploaded', name, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
    }
  }
}, 600_000);

afterAll(async () => {
  await api?.close();
  rmSync(base, { recursive: true, force: true });
});

describe('npm run deploy', () => {
  it('stages every enabled function of config.toml, and the CLI uploads each and changes nothing else', () => {
    expect(Object.keys(staged).sort()).toEqual(NAMES);
    expect(api.uploads.map((u) => [u.ref, u.slug])).toEqual(NAMES.map((name) => [REF, name]));
    // The CLI also reads the project (GET /v1/projects/<ref>) after a deploy; it sends nothing else.
    expect(api.unhandled.filter((request) => !request.startsWith('GET '))).toEqual([]);
  });

  it('stages the same repository to the same files, byte for byte', () => {
    const again = join(base, 'stage-again');
    stageFunctions({ out: again, denoEnv: denoRegistryEnv() });
    expect(treeDigest(again)).toEqual(stagedDigest);
  }, 300_000);

  it('is checked where no node_modules, package.json or deno.json above the upload can help resolve anything', () => {
    const helpers: string[] = [];
    for (let dir = base; dir !== dirname(dir); dir = dirname(dir)) {
      for (const name of ['node_modules', 'package.json', 'deno.json', 'deno.jsonc']) {
        if (existsSync(join(dir, name))) helpers.push(join(dir, name));
      }
    }
    expect(helpers).toEqual([]);
  });

  it("uploads Scalar's script with the API at the path functions/_shared/http/docs-script.ts reads it from", () => {
    const source = fileURLToPath(SCALAR_SCRIPT_FILE);
    const copy = join(uploadedDir('api'), relative(ROOT, source));
    expect(existsSync(copy)).toBe(true);
    expect(readFileSync(copy).equals(readFileSync(source))).toBe(true);
  });
});

describe.each(NAMES)('%s, as uploaded', (name) => {
  it('is entered at supabase/functions/<name>/index.ts with its own deno.json (no fallback), no node_modules', () => {
    const prefix = `supabase/functions/${name}`;
    expect(uploads[name].metadata).toMatchObject({
      entrypoint_path: `${prefix}/index.ts`,
      import_map_path: `${prefix}/deno.json`,
    });
    expect(cliOutput[name]).not.toMatch(/fallback import map|WARN/);
    expect(JSON.parse(readFileSync(join(uploadedDir(name), 'deno.json'), 'utf8')).nodeModulesDir).toBe('none');
  });

  it('uploads only files inside its own folder, its lock among them; none of its modules imports from outside', () => {
    const prefix = `supabase/functions/${name}/`;
    const files = [...uploads[name].files.keys()];
    expect(files.filter((file) => !file.startsWith(prefix))).toEqual([]);
    expect(files).toContain(`${prefix}deno.lock`);
    const statics = staged[name].staticFiles.map((file) => relative(staged[name].dir, file));
    // A node_modules folder in the upload holds static files only (the API's docs script), never a package.
    expect(files.filter((file) => file.includes('node_modules/') && !statics.includes(file.slice(prefix.length))))
      .toEqual([]);
    expect(importsLeaving(uploadedDir(name), statics)).toEqual([]);
  });

  it(
    'resolves and type-checks on Deno 2.1 from the upload alone: ' +
      'clean DENO_DIR, no node_modules, its own deno.json and frozen lock',
    () => {
      const check = checkFrozen(uploadedDir(name), denoRegistryEnv(cleanDenoDir));
      expect(check.ok, check.output).toBe(true);
    },
    300_000,
  );
});

describe('the checks above can fail', () => {
  it('the frozen check fails when the lock is missing an entry', () => {
    const copy = join(base, 'lock-missing-an-entry');
    cpSync(uploadedDir('hooks'), copy, { recursive: true });
    const lock = JSON.parse(readFileSync(join(copy, 'deno.lock'), 'utf8'));
    const dropped = Object.keys(lock.specifiers).find((s) => s.startsWith('npm:hono@'));
    expect(dropped).toBeDefined();
    delete lock.specifiers[dropped!];
    writeFileSync(join(copy, 'deno.lock'), JSON.stringify(lock, null, 2));
    const check = checkFrozen(copy, denoRegistryEnv(cleanDenoDir));
    expect(check.ok).toBe(false);
    expect(check.output).toMatch(/lockfile is out of date/i);
  }, 120_000);

  it('the scan finds an import that leaves a function folder', () => {
    const dir = join(base, 'leaving/supabase/functions/x');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'inside.ts'), 'export const inside = 1;\n');
    writeFileSync(
      join(dir, 'index.ts'),
      "import { inside } from './inside.ts';\n" +
        "import { shared } from '../../../../functions/_shared/x.ts';\n" +
        'console.log(inside, shared);\n',
    );
    expect(importsLeaving(dir)).toEqual([{ file: 'index.ts', specifier: '../../../../functions/_shared/x.ts' }]);
  });
});
