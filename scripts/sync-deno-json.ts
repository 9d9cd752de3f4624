// deno.json's import map is derived from package.json (the one source of versions): every runtime
// dependency, and its subpaths, mapped to the exact npm: version installed for Node.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack/project.ts';
import process from 'node:process';

/** Packages the functions or the local gateway import (runtime deps plus the gateway's dev deps). */
const GATEWAY_DEV_DEPS = ['bcryptjs', 'nodemailer', 'smol-toml'];

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
    // `deno fmt` and `deno lint` (checked by npm test) over the code we write; generated files keep their generator's shape.
    fmt: { lineWidth: 120, indentWidth: 2, singleQuote: true, semiColons: true },
    lint: { rules: { tags: ['recommended'] } },
    include: ['functions/', 'scripts/', 'tests/'],
    exclude: ['functions/_shared/database.types.ts', 'tests/fixtures/', '.local/', 'node_modules/'],
    imports,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(join(ROOT, 'deno.json'), denoJson());
  console.log('deno.json written from package.json');
}
