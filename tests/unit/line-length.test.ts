// Lines of code stay within deno.json's fmt lineWidth (120). `deno fmt` wraps code to it but leaves a long string,
// comment, regular expression or template literal as it is: those are broken by hand, and this names each one left.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/stack/project.ts';

const fmt: { lineWidth: number; include: string[]; exclude: string[] } = JSON.parse(
  readFileSync(join(ROOT, 'deno.json'), 'utf8'),
).fmt;
const CODE = /\.(ts|js|cjs|mjs)$/;

/** Code files deno fmt covers, relative to the root: under its include folders, not under its exclude paths. */
function styledFiles(): string[] {
  const excluded = (rel: string) => fmt.exclude.some((path) => `${rel}/`.startsWith(path.replace(/\/?$/, '/')));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (excluded(rel) || entry.name === 'node_modules') continue;
      if (entry.isDirectory()) walk(rel);
      else if (CODE.test(entry.name)) files.push(rel);
    }
  };
  for (const dir of fmt.include) walk(dir.replace(/\/$/, ''));
  return files;
}

describe('line length', () => {
  it('reads the code files of functions/, scripts/ and tests/, not the generated database types', () => {
    const files = styledFiles();
    expect(files).toContain('functions/api/index.ts');
    expect(files).toContain('scripts/test.ts');
    expect(files).toContain(relative(ROOT, fileURLToPath(import.meta.url)));
    expect(files).not.toContain('functions/_shared/database.types.ts');
  });

  it(`keeps every line of functions/, scripts/ and tests/ within ${fmt.lineWidth} characters`, () => {
    const over = styledFiles().flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8').split('\n').flatMap((line, i) => {
        const length = [...line].length;
        return length > fmt.lineWidth ? [`${file}:${i + 1}: ${length} characters`] : [];
      })
    );
    expect(over, `lines over ${fmt.lineWidth} characters:\n${over.join('\n')}`).toEqual([]);
  });
});
