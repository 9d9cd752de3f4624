// The shape of functions/: one folder per feature (`_accounts`, `_coach`, …), plumbing in `_shared`, and three
// entrypoints (`api`, `hooks`, `worker`) that only assemble features. Checked on the import graph, so a newcomer's
// shortcut (a route reaching into another route, `_shared` reaching into a feature) fails here, not in review.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProjectConfig, ROOT } from '../../scripts/stack/project.ts';

const FUNCTIONS = join(ROOT, 'functions');
/**
 * The deployed functions' folders (config.toml's [functions.*] entrypoints); no other folder under functions/ is one.
 */
const ENTRYPOINTS = Object.values(readProjectConfig().functions).map((fn) => basename(dirname(fn.entrypoint)));

interface Import {
  /** Both relative to functions/, with forward slashes. */
  from: string;
  to: string;
}

const posix = (path: string) => path.split(sep).join('/');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import (static, re-export, dynamic) of every module under functions/. */
function imports(): Import[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.{1,2}\/[^']+)'/g;
  return sources(FUNCTIONS).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(pattern)].map(([, specifier]) => ({
      from: posix(relative(FUNCTIONS, file)),
      to: posix(relative(FUNCTIONS, resolve(dirname(file), specifier))),
    }))
  );
}

/** The folder directly under functions/ a module belongs to. */
const topFolder = (path: string) => path.split('/')[0];

/** A route file: a module in a `routes/` folder, the one place HTTP routes are defined. */
const isRouteFile = (path: string) => path.split('/').slice(0, -1).includes('routes');

const describeImport = ({ from, to }: Import) => `${from} imports ${to}`;

describe('functions/ layout', () => {
  const graph = imports();

  it('_shared imports nothing from a feature folder or a function', () => {
    const offending = graph.filter((i) => topFolder(i.from) === '_shared' && topFolder(i.to) !== '_shared');
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('no route file imports another route file', () => {
    const offending = graph.filter((i) => isRouteFile(i.from) && isRouteFile(i.to));
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('every folder under functions/ is one of the functions or starts with an underscore', () => {
    const folders = readdirSync(FUNCTIONS).filter((name) => statSync(join(FUNCTIONS, name)).isDirectory());
    expect(folders.filter((name) => !ENTRYPOINTS.includes(name) && !name.startsWith('_'))).toEqual([]);
  });

  it('the functions import only features, _shared and their own assembly modules', () => {
    const offending = graph.filter((i) => {
      const from = topFolder(i.from);
      const to = topFolder(i.to);
      return ENTRYPOINTS.includes(from) && to !== from && !to.startsWith('_');
    });
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('the functions define no routes of their own: routes live in features', () => {
    const routeFiles = sources(FUNCTIONS).map((file) => posix(relative(FUNCTIONS, file))).filter(isRouteFile);
    expect(routeFiles.filter((path) => ENTRYPOINTS.includes(topFolder(path)))).toEqual([]);
  });

  it('features and _shared never import a function', () => {
    const offending = graph.filter((i) => topFolder(i.from).startsWith('_') && ENTRYPOINTS.includes(topFolder(i.to)));
    expect(offending.map(describeImport)).toEqual([]);
  });
});
