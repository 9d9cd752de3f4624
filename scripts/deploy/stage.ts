// Stages the functions config.toml deploys into the layout `supabase functions deploy --use-api` accepts, keeping
// the repository's own layout (functions/<name>/, shared code in functions/_shared/, one deno.json at the root).
// The CLI uploads a function's deno.json, its static_files and the modules its entrypoint reaches, named relative
// to its workdir; it refuses a module in a parent folder of that workdir (supabase/cli#3467) and looks for the
// entrypoint at supabase/functions/<name>/index.ts (#3676). So each function gets a folder of its own that is a
// small copy of the repository:
//
//   <out>/supabase/config.toml                       [functions.<name>]: verify_jwt and static_files only
//   <out>/supabase/functions/<name>/index.ts         imports ./functions/<name>/index.ts, where the CLI looks
//   <out>/supabase/functions/<name>/deno.json        the import map entries this function uses, no node_modules
//   <out>/supabase/functions/<name>/deno.lock        made by Deno 2.1 for exactly this graph
//   <out>/supabase/functions/<name>/functions/...    every module the entrypoint reaches, at its repository path
//   <out>/supabase/functions/<name>/node_modules/... its static_files, at their repository paths
//
// Every file keeps its path relative to the repository root, so relative imports and `new URL(..., import.meta.url)`
// reads (the API's docs script) find the same files. The lock is listed in static_files: the CLI uploads nothing
// else beside deno.json, and the bundler reads it from there to pin what this check saw.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { stringify } from 'smol-toml';
import { type FunctionConfig, LOCAL_DIR, readConfigToml, readProjectConfig, ROOT } from '../stack/project.ts';
import { writeLock } from './deno-lock.ts';
import { isInside, moduleGraph } from './modules.ts';

/** Where `npm run deploy` stages (git-ignored with the rest of .local/), and the CLI's workdir when it uploads. */
export const STAGE_DIR = join(LOCAL_DIR, 'deploy');

export interface StagedFunction {
  name: string;
  /** <out>/supabase/functions/<name>: everything the CLI uploads for this function is inside. */
  dir: string;
  verifyJwt: boolean;
  /** Its static_files as staged (absolute), deno.lock included. */
  staticFiles: string[];
}

interface DenoConfig {
  compilerOptions?: Record<string, unknown>;
  imports?: Record<string, string>;
}

/** The import map key Deno resolves a bare specifier by: the exact name, else the longest "prefix/" key. */
function importMapKey(imports: Record<string, string>, specifier: string): string | undefined {
  if (specifier in imports) return specifier;
  return Object.keys(imports)
    .filter((key) => key.endsWith('/') && specifier.startsWith(key))
    .sort((a, b) => b.length - a.length)[0];
}

/** A specifier with a scheme (npm:, node:, jsr:, https:) needs no import map. */
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The function's deno.json: only the entries its modules use, and npm packages from the registry (no node_modules). */
function functionDenoJson(fn: FunctionConfig, external: string[], from: string): string {
  const source: DenoConfig = fn.importMap ? JSON.parse(readFileSync(fn.importMap, 'utf8')) : {};
  const all = source.imports ?? {};
  const imports: Record<string, string> = {};
  for (const specifier of external.filter((s) => !HAS_SCHEME.test(s))) {
    const key = importMapKey(all, specifier);
    if (!key) {
      throw new Error(
        `${from} imports '${specifier}', which ${fn.importMap ? relative(ROOT, fn.importMap) : 'no import map'} maps`,
      );
    }
    imports[key] = all[key];
  }
  const sorted = Object.fromEntries(Object.entries(imports).sort(([a], [b]) => a.localeCompare(b)));
  const config = { nodeModulesDir: 'none', compilerOptions: source.compilerOptions ?? {}, imports: sorted };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The repository path a staged file keeps; refuses one outside the repository (it would leave the stage). */
function repoPath(file: string, why: string): string {
  if (!isInside(ROOT, file)) throw new Error(`${why} ${file} is outside the repository, so it cannot be staged`);
  return relative(ROOT, file);
}

function copyInto(dir: string, rel: string): void {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  copyFileSync(join(ROOT, rel), join(dir, rel));
}

/** Stages one function's files, entry and deno.json (its lock comes after). */
function stageFunction(out: string, name: string, fn: FunctionConfig): StagedFunction {
  const dir = join(out, 'supabase/functions', name);
  const graph = moduleGraph(fn.entrypoint);
  const modules = graph.files.map((file) => repoPath(file, `a module of ${name},`));
  for (const rel of modules) copyInto(dir, rel);
  const statics = fn.staticFiles.map((file) => repoPath(file, `a static file of ${name},`));
  for (const rel of statics) copyInto(dir, rel);
  const entry = modules[0];
  writeFileSync(
    join(dir, 'index.ts'),
    `// The ${name} function as it is in the repository (${entry}), entered where \`supabase functions deploy\`\n` +
      `// looks for it. Staged by \`npm run deploy\` (scripts/deploy/stage.ts).\nimport './${entry}';\n`,
  );
  writeFileSync(join(dir, 'deno.json'), functionDenoJson(fn, graph.external, relative(ROOT, fn.entrypoint)));
  return { name, dir, verifyJwt: fn.verifyJwt, staticFiles: [...statics, 'deno.lock'].map((rel) => join(dir, rel)) };
}

/** The staged config.toml: what the CLI needs beyond its defaults (entrypoint and deno.json are where it looks). */
function stagedConfigToml(out: string, staged: StagedFunction[]): string {
  const toml = readConfigToml();
  const supabaseDir = join(out, 'supabase');
  const functions = Object.fromEntries(
    staged.map((
      fn,
    ) => [fn.name, {
      verify_jwt: fn.verifyJwt,
      static_files: fn.staticFiles.map((f) => `./${relative(supabaseDir, f)}`),
    }]),
  );
  const config = {
    project_id: toml.project_id,
    ...(toml.edge_runtime ? { edge_runtime: toml.edge_runtime } : {}),
    functions,
  };
  return `# Staged by \`npm run deploy\` (scripts/deploy/stage.ts) from the repository's supabase/config.toml.\n${
    stringify(config)
  }\n`;
}

export interface StageOptions {
  /** An empty folder, or one staging may wipe: the CLI's workdir afterwards. */
  out: string;
  /** Functions to stage; every enabled one by default. */
  names?: string[];
  /** Deno's environment for making the locks (denoRegistryEnv()). */
  denoEnv: Record<string, string>;
}

/** Stages the functions, each with a lock made for it; the same repository stages to the same files. */
export function stageFunctions({ out, names, denoEnv }: StageOptions): StagedFunction[] {
  const { functions } = readProjectConfig();
  const chosen = names ?? Object.keys(functions).sort();
  for (const name of chosen) {
    if (!functions[name]) throw new Error(`no enabled function '${name}' in supabase/config.toml`);
  }
  if (isInside(out, ROOT)) throw new Error(`refusing to stage into ${out}: staging empties it first`);
  rmSync(out, { recursive: true, force: true });
  const staged = chosen.map((name) => stageFunction(out, name, functions[name]));
  writeFileSync(join(out, 'supabase/config.toml'), stagedConfigToml(out, staged));
  for (const fn of staged) writeLock(fn.dir, denoEnv);
  return staged;
}
