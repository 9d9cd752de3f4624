// Where things are in the repository, and the parts of supabase/config.toml the local stack obeys.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const LOCAL_DIR = join(ROOT, '.local');

export interface ProjectConfig {
  apiPort: number;
  dbPort: number;
  apiSchemas: string[];
  seedPaths: string[];
  functions: Record<string, { verifyJwt: boolean; entrypoint: string }>;
}

export function readProjectConfig(): ProjectConfig {
  const toml = parse(readFileSync(join(ROOT, 'supabase/config.toml'), 'utf8')) as Record<string, any>;
  const functions: ProjectConfig['functions'] = {};
  for (const [name, fn] of Object.entries<Record<string, any>>(toml.functions ?? {})) {
    if (fn.enabled === false) continue;
    functions[name] = { verifyJwt: fn.verify_jwt !== false, entrypoint: fn.entrypoint };
  }
  return {
    apiPort: toml.api?.port ?? 54321,
    dbPort: toml.db?.port ?? 54322,
    apiSchemas: toml.api?.schemas ?? ['public'],
    seedPaths: toml.db?.seed?.sql_paths ?? [],
    functions,
  };
}
