// Patterns that let a test pass without proving its title, refused wherever tests are written (vitest files and
// their helpers, pgTAP files). Each rule says why it proves nothing and what to write instead.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/stack/project.ts';

interface Rule {
  /** Matched against each line (TypeScript or SQL, as `in` says). */
  pattern: RegExp;
  in: 'ts' | 'sql';
  why: string;
}

const RULES: Rule[] = [
  {
    in: 'ts',
    pattern: /toBeGreaterThanOrEqual\(0\)/,
    why: 'a count or size is never negative, so this cannot fail: assert the number the test expects',
  },
  {
    in: 'sql',
    pattern: />=\s*0\b/,
    why: 'a count is never negative, so this cannot fail: assert the number the test expects',
  },
  {
    in: 'sql',
    pattern: /ok\(\s*\(?\s*select count\(.*\)\s*>=?\s*\d/i,
    why: 'a table-wide count at least N passes whatever other rows or tests left behind: ' +
      'count the rows this test made, exactly',
  },
  {
    in: 'ts',
    pattern: /\.catch\(\s*\(\s*\w*\s*\)\s*=>\s*(\{\s*\}|undefined|null|void 0)\s*\)/,
    why: 'swallows an error without looking at it: ' +
      'assert the refusal expected (expect(...).rejects, or keep the error and check it)',
  },
  {
    in: 'ts',
    pattern: /error\)\s*\.\s*(toBeTruthy|toBeDefined)\(\)|error\)\s*\.\s*not\s*\.\s*toBeNull\(\)/,
    why: 'accepts any error, a 500 included: assert the error by name (tests/helpers/storage.ts for Storage refusals)',
  },
  {
    in: 'ts',
    pattern: /toMatchObject\(\{\s*statusCode:\s*'/,
    why: 'a Storage refusal checked by its body alone misses the HTTP status: ' +
      'use expectStorageRefusal / expectStorageResponse',
  },
  {
    in: 'ts',
    pattern: /(\.at\(-1\)|\[\s*\w+\.length\s*-\s*1\s*\]|\[\d+\]|\blast\w*!?)\)\.toBe\(429\)/,
    why:
      'the last status alone passes when every request was refused: use expectRateLimit (tests/helpers/rate-limit.ts)',
  },
  {
    in: 'ts',
    pattern: /AbortSignal\.timeout\(/,
    why: 'a timed abort may land before the request or after its commit, passing either way: ' +
      'hold the request on the server (tests/helpers/hold.ts)',
  },
];

/** Files where tests are written: vitest files and their helpers (not the fakes, which are servers), pgTAP files. */
function testSources(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((
      e,
    ) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const own = join(ROOT, 'tests/unit/test-hygiene.test.ts');
  return [
    ...walk(join(ROOT, 'tests')).filter((f) =>
      f.endsWith('.ts') && !f.includes(`${join('tests', 'fakes')}`) && f !== own
    ),
    ...walk(join(ROOT, 'supabase/tests/database')).filter((f) => f.endsWith('.sql')),
  ];
}

describe('test hygiene', () => {
  it('no test uses a pattern that can pass without proving its title', () => {
    const findings: string[] = [];
    for (const file of testSources()) {
      const kind = file.endsWith('.sql') ? 'sql' : 'ts';
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        for (const rule of RULES) {
          if (rule.in === kind && rule.pattern.test(line)) {
            findings.push(`${relative(ROOT, file)}:${i + 1}: ${rule.why}\n    ${line.trim()}`);
          }
        }
      });
    }
    expect(findings, findings.join('\n')).toEqual([]);
  });

  it('each rule catches the pattern it names', () => {
    const samples: Record<string, string> = {
      ts: [
        'expect(rows.length).toBeGreaterThanOrEqual(0);',
        'await send().catch(() => {});',
        'expect((await bucket.download(path)).error).toBeTruthy();',
        "expect(up.error).toMatchObject({ statusCode: '403' });",
        'expect(statuses.at(-1)).toBe(429);',
        'await post(body, AbortSignal.timeout(5));',
      ].join('\n'),
      sql: [
        "select ok(internal.prune_audit_log('1 day') >= 0, 'x');",
        "select ok((select count(*) from public.profiles) >= 2, 'x');",
      ].join('\n'),
    };
    for (const rule of RULES) {
      expect(samples[rule.in].split('\n').some((line) => rule.pattern.test(line)), rule.why).toBe(true);
    }
  });
});
