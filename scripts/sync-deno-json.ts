// deno.json's import map is derived from package.json (the one source of versions): every runtime
// dependency, and its subpaths, mapped to the exact npm: version installed for Node.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack/project.ts';
import process from 'node:process';

/**
 * What `deno fmt` and `deno lint` cover (npm test checks both): the code we write. Generated files keep their
 * generator's shape (the database types, DbGate's npm lock); fixtures are data. Scoped to fmt and lint only, so
 * `deno check` and `deno run` of any file are never told to skip it.
 */
const STYLED_FILES = {
  include: ['functions/', 'scripts/', 'tests/'],
  exclude: [
    'functions/_shared/database.types.ts',
    'scripts/admin/dbgate/package-lock.json',
    'tests/fixtures/',
    '.local/',
    'node_modules/',
  ],
};

/** Packages the functions or the local gateway import (runtime deps plus the gateway's dev deps). */
const GATEWAY_DEV_DEPS = ['bcryptjs', 'smol-toml'];

export function denoJson(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const deps: Record<string, string> = { ...pkg.dependencies };
  for (const name of GATEWAY_DEV_DEPS) deps[name] = pkg.devDependencies[name];
  const imports: Record<string, string> = {};
  for (const [name, version] of Object.entries(deps).sort(([a], [b]) => a.localeCompare(b))) {
    imports[name] = `npm:${name}@${version}`;
    imports[`${name}/`] = `npm:/${name}@${version}/`;
  }
  const config = {
    nodeModulesDir: 'manual',
    compilerOptions: { strict: true },
    fmt: { ...STYLED_FILES, lineWidth: 120, indentWidth: 2, singleQuote: true, semiColons: true },
    lint: { ...STYLED_FILES, rules: { tags: ['recommended'] } },
    imports,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(join(ROOT, 'deno.json'), denoJson());
  console.log('deno.json written from package.json');
}
