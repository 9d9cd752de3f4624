// The Deno that runs and type-checks the functions locally: the `deno` npm package's binary, pinned in package.json
// to the 2.1 line Supabase's hosted Edge Runtime runs, so code that passes here runs there.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './project.ts';

export const DENO = join(ROOT, 'node_modules/deno/deno');

/**
 * `deno --version` on one line, e.g.
 * "deno 2.1.14 (stable, release, x86_64-unknown-linux-gnu), v8 13.0…, typescript 5.6.2".
 */
export function denoVersion(): string {
  return execFileSync(DENO, ['--version'], { encoding: 'utf8' }).trim().split('\n').join(', ');
}
