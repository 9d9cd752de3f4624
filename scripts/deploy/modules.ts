// What a function's modules import, read the way the TypeScript compiler reads them (static imports, `export ...
// from`, `import type`, dynamic `import('...')`), comments and strings aside. Staging follows the local imports to
// find the files a function is made of; the deploy test scans a staged tree with the same reading.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Every module specifier in a TypeScript or JavaScript source. */
export function specifiersOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** The file a specifier names on disk (relative, absolute or file: URL), or undefined for a package or URL. */
export function localTarget(fromFile: string, specifier: string): string | undefined {
  if (specifier.startsWith('./') || specifier.startsWith('../')) return resolve(dirname(fromFile), specifier);
  if (specifier.startsWith('/')) return specifier;
  if (specifier.startsWith('file:')) return fileURLToPath(specifier);
  return undefined;
}

/** Whether `path` is `dir` or inside it. */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

export interface ModuleGraph {
  /** Local module files reached from the entrypoint, the entrypoint first, then in the order found. */
  files: string[];
  /** Specifiers that name no local file (bare names, npm:, node:, URLs), sorted and unique. */
  external: string[];
}

/** The local modules an entrypoint reaches through its imports, and what else they import. */
export function moduleGraph(entrypoint: string): ModuleGraph {
  const files: string[] = [];
  const external = new Set<string>();
  const queue = [resolve(entrypoint)];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const file = queue.shift()!;
    files.push(file);
    for (const specifier of specifiersOf(readFileSync(file, 'utf8'))) {
      const target = localTarget(file, specifier);
      if (target === undefined) {
        external.add(specifier);
      } else if (!seen.has(target)) {
        if (!existsSync(target)) throw new Error(`${file} imports ${specifier}, which does not exist`);
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return { files, external: [...external].sort() };
}

const MODULE_FILE = /\.(ts|tsx|mts|js|mjs|jsx)$/;

/**
 * Imports in a folder's modules that name a file outside it (a parent folder, an absolute path). `skip` (paths
 * relative to the folder) leaves out files that are data, not modules: a static browser bundle.
 */
export function importsLeaving(dir: string, skip: string[] = []): Array<{ file: string; specifier: string }> {
  const found: Array<{ file: string; specifier: string }> = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (MODULE_FILE.test(entry.name) && !skip.includes(relative(dir, path))) {
        for (const specifier of specifiersOf(readFileSync(path, 'utf8'))) {
          const target = localTarget(path, specifier);
          if (target !== undefined && !isInside(dir, target)) found.push({ file: relative(dir, path), specifier });
        }
      }
    }
  };
  walk(dir);
  return found;
}
