// The committed API document and client types (openapi/): what `npm run openapi` makes from the code now, so a
// route change that forgot to regenerate them fails here, and a reviewer sees the API change in the diff.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { committedFiles } from '../../scripts/openapi/committed.ts';
import { ROOT } from '../../scripts/stack/project.ts';

const files = await committedFiles();

describe('openapi/ (committed)', () => {
  it.each(files.map((f) => [relative(ROOT, f.path), f.text]))(
    '%s is what `npm run openapi` makes from the code now',
    (path, text) => {
      const file = `${ROOT}/${path}`;
      expect(existsSync(file), `${path} is missing: run \`npm run openapi\` and commit it`).toBe(true);
      const committed = readFileSync(file, 'utf8');
      expect(committed === text, `${path} is stale: run \`npm run openapi\` and commit the result`).toBe(true);
    },
  );

  it('the client types compile under strict TypeScript', () => {
    const types = files.find((f) => f.path.endsWith('.d.ts'))!;
    const program = ts.createProgram([types.path], { strict: true, noEmit: true, skipLibCheck: false, types: [] });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  }, 60_000);
});
