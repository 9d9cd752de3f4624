import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { denoVersion } from '../../scripts/stack/deno.ts';
import { ROOT } from '../../scripts/stack/project.ts';

// Supabase's hosted Edge Runtime runs Deno 2.1: the functions are run and type-checked here on that line, so code
// that needs a newer Deno fails here rather than in production.
const HOSTED_LINE = /^2\.1\.\d+$/;

describe('Deno', () => {
  it('is pinned in package.json to the 2.1 line Supabase hosts', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.devDependencies.deno).toMatch(HOSTED_LINE);
  });

  it('is installed at the version package.json pins (`deno --version` of the binary the stack runs)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(denoVersion()).toMatch(new RegExp(`^deno ${pkg.devDependencies.deno.replaceAll('.', '\\.')} `));
  });
});
