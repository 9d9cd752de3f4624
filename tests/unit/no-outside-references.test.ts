// A clone has only what git holds, so nothing in the repository may point outside it, and every relative link in
// the docs must lead somewhere. "Outside" means, in every file git tracks or would add (ignored files excluded):
//   1. a relative path that, resolved from the file's folder, leaves the repository;
//   2. an absolute path into the folder that holds the checkout (where sibling checkouts and private notes live);
//   3. a Markdown document named by a path with a folder that is not in the repository;
//   4. a citation of a section (the section sign) of "the seed(s)", the product designs the project was first
//      written from, which are not in it.
// Paths that stay inside (an import of _shared from a feature, node_modules from a subfolder) are fine, as are
// absolute system paths a program uses on any machine (/usr/bin, /var/lib/postgresql). This file's own examples
// are left out of the sweep; the few references that must stay are waived below, each with its reason.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/stack/project.ts';

/** Tracked files plus new ones git would add: what a clone (or the next commit) holds. */
function repositoryFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return [...new Set(listed.split('\0').filter((path) => path && existsSync(join(ROOT, path))))];
}

/** A file's text, or null for binary files (NUL bytes). */
function textOf(path: string): string | null {
  const text = readFileSync(join(ROOT, path), 'utf8');
  return text.includes('\0') ? null : text;
}

/** Whether an absolute path is `root` or below it. */
function isInside(root: string, absolute: string): boolean {
  const rel = relative(root, absolute);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

interface Reference {
  line: number;
  text: string;
  why: string;
}

const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Characters of a path token; a token starts where none of them precedes it. */
const PATH_CHAR = String.raw`[\w@.~/+-]`;
const RELATIVE_PATH = new RegExp(String.raw`(?<!${PATH_CHAR})(?:\.\/)?(?:\.\.\/)+${PATH_CHAR}*`, 'g');
const MARKDOWN_PATH = new RegExp(String.raw`(?<!${PATH_CHAR})[\w.-]+(?:\/[\w.-]+)*\/[\w.-]+\.md\b`, 'g');
/** A citation of the product designs: "seed", then a section sign within 30 characters (written as \u00a7 here). */
const DESIGN_CITATION = /\bseeds?\b[^\n\u00a7]{0,30}\u00a7/gi;

interface Surroundings {
  root: string;
  /** Every path in the repository, relative and with forward slashes. */
  files: ReadonlySet<string>;
}

/** The folder that holds the checkout, whose other contents a clone does not have (none when it is `/`). */
function outerFolder(root: string): string | null {
  const parent = dirname(root);
  return parent === dirname(parent) ? null : parent;
}

/** Every reference of `text` (the file `path`) that points outside the repository. */
function outsideReferences(path: string, text: string, { root, files }: Surroundings): Reference[] {
  const found: Reference[] = [];
  const add = (index: number, match: string, why: string) =>
    found.push({ line: lineAt(text, index), text: match, why });
  const folder = resolve(root, dirname(path));

  for (const m of text.matchAll(RELATIVE_PATH)) {
    if (!isInside(root, resolve(folder, m[0]))) add(m.index, m[0], 'a relative path that leaves the repository');
  }
  const outer = outerFolder(root);
  for (const prefix of outer ? [outer] : [root]) {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const m of text.matchAll(new RegExp(String.raw`(?<!${PATH_CHAR})${escaped}(?=/|$)${PATH_CHAR}*`, 'gm'))) {
      add(m.index, m[0], `an absolute path into ${prefix}, outside the repository`);
    }
  }
  for (const m of text.matchAll(MARKDOWN_PATH)) {
    const named = m[0];
    const here = relative(root, resolve(folder, named)).split(sep).join('/');
    const known = files.has(named) || files.has(here) || [...files].some((file) => file.endsWith(`/${named}`));
    if (!known) add(m.index, named, 'a Markdown document that is not in the repository');
  }
  for (const m of text.matchAll(DESIGN_CITATION)) {
    add(m.index, m[0], 'a section of the product designs, which are not in the repository');
  }
  return found;
}

/** GitHub's anchor for a heading: lower case, punctuation but `_` and `-` dropped, spaces as hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = headingAnchor(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Inline links `[text](target)` and reference definitions `[label]: target`, outside code. */
function linkTargets(markdown: string): { line: number; target: string }[] {
  const blank = (code: string) => code.replace(/[^\n]/g, ' ');
  const prose = markdown.replace(/```[\s\S]*?```/g, blank).replace(/`[^`\n]*`/g, blank);
  const targets: { line: number; target: string }[] = [];
  for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|^\s*\[[^\]]+\]:\s*<?(\S+?)>?\s*$/gm)) {
    targets.push({ line: lineAt(prose, m.index), target: m[1] ?? m[2] });
  }
  return targets;
}

/** The repository as links see it: paths relative to its root, with forward slashes. */
interface Pages {
  /** Whether a file or folder exists. */
  exists(path: string): boolean;
  /** A file's text (null for binary files). */
  read(path: string): string | null;
}

/** Relative links of a Markdown file (`path`) that lead to no file, folder or heading of the repository. */
function brokenLinks(path: string, markdown: string, pages: Pages): string[] {
  const root = resolve('/repository');
  const broken: string[] = [];
  for (const { line, target } of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: a web address, not a file
    const [file, anchor] = target.split('#', 2);
    const absolute = resolve(root, file ? join(dirname(path), decodeURIComponent(file)) : path);
    const linked = relative(root, absolute).split(sep).join('/');
    const where = `${path}:${line}: ${target}`;
    if (!isInside(root, absolute) || !pages.exists(linked)) {
      broken.push(`${where} (no such file in the repository)`);
    } else if (anchor !== undefined && linked.endsWith('.md') && !anchorsOf(pages.read(linked) ?? '').has(anchor)) {
      broken.push(`${where} (no heading #${anchor})`);
    }
  }
  return broken;
}

/** This file: its examples of outside references are the detector's fixtures. */
const SELF = relative(ROOT, fileURLToPath(import.meta.url)).split(sep).join('/');

interface Waiver {
  path: string;
  text: string;
  why: string;
}

/** References that must stay as they are. Each must still occur, so a waiver goes when its reason does. */
const WAIVERS: Waiver[] = [
  {
    path: 'tests/deploy/staged-functions.test.ts',
    text: '../../../../functions/_shared/x.ts',
    why: 'a fixture written into a scratch function folder, where it is the import the deploy scan must find',
  },
  {
    path: 'tests/fixtures/pre-baseline-migrations/20261123040200_schedule_weekly_vip_points.sql',
    text: 'seed \u00a7',
    why:
      'the landed migration chain, kept verbatim: tests/db/baseline.test.ts proves the baseline builds what it built',
  },
  ...['seed: daily-coach.md \u00a7', 'seed \u00a7'].map((text) => ({
    path: 'tests/fixtures/pre-baseline-migrations/20261123090000_create_coach.sql',
    text,
    why:
      'the landed migration chain, kept verbatim: tests/db/baseline.test.ts proves the baseline builds what it built',
  })),
];

const isWaived = (path: string, ref: Reference) => WAIVERS.some((w) => w.path === path && w.text === ref.text);

describe('references outside the repository', () => {
  const files = repositoryFiles().filter((path) => path !== SELF);
  const surroundings: Surroundings = { root: ROOT, files: new Set(files) };
  const pages: Pages = { exists: (path) => existsSync(join(ROOT, path)), read: textOf };

  it('no file in the repository refers to a path or document outside it', () => {
    const offending = files.flatMap((path) => {
      const text = textOf(path);
      if (text === null) return [];
      return outsideReferences(path, text, surroundings)
        .filter((r) => !isWaived(path, r))
        .map((r) => `${path}:${r.line}: ${r.text} (${r.why})`);
    });
    expect(offending).toEqual([]);
  });

  it('every waiver still names a reference that is there', () => {
    const stale = WAIVERS.filter(({ path, text }) => {
      const content = files.includes(path) ? textOf(path) : null;
      return content === null || !outsideReferences(path, content, surroundings).some((r) => r.text === text);
    });
    expect(stale.map((w) => `${w.path}: ${w.text} (no longer there: remove the waiver)`)).toEqual([]);
  });

  it('every relative link in README.md and docs/ leads to a file, folder or heading in the repository', () => {
    const markdown = files.filter((path) => path === 'README.md' || (path.startsWith('docs/') && path.endsWith('.md')));
    expect(markdown).toContain('docs/README.md');
    expect(markdown.flatMap((path) => brokenLinks(path, textOf(path) ?? '', pages))).toEqual([]);
  });
});

describe('what counts as outside', () => {
  const root = '/checkouts/houtai';
  const surroundings: Surroundings = { root, files: new Set(['README.md', 'docs/architecture.md']) };
  const whys = (path: string, text: string) => outsideReferences(path, text, surroundings).map((r) => r.text);
  const up = '..';

  it('relative paths count only when they leave the repository', () => {
    const leaving = `${up}/${up}/${up}/notes/A.txt`;
    const staying = `import '${up}/${up}/_shared/db.ts'; '${up}/${up}/node_modules/x'`;
    expect(whys('functions/_coach/a.ts', staying)).toEqual([]);
    expect(whys('scripts/x.ts', `resolve(here, '${leaving}')`)).toEqual([leaving]);
    expect(whys('README.md', `see ./${up}/notes/`)).toEqual([`./${up}/notes/`]);
  });

  it('absolute paths count only inside the folder that holds the checkout', () => {
    expect(whys('a.md', 'see /checkouts/notes/A.txt and /usr/bin/env')).toEqual(['/checkouts/notes/A.txt']);
    expect(whys('a.md', 'the clone lives at /checkouts/houtai')).toEqual(['/checkouts/houtai']);
    expect(whys('a.md', "'demo/checkouts/x'")).toEqual([]);
  });

  it('Markdown documents count when the repository does not have them', () => {
    const text = `[a](architecture.md) and notes/GUIDE.md and docs/architecture.md`;
    expect(whys('docs/x.md', text)).toEqual(['notes/GUIDE.md']);
  });

  it('citations of the product designs count', () => {
    expect(whys('a.ts', `// the emoji flow (seed \u00a74.4), seed (\u00a72)`)).toEqual(['seed \u00a7', 'seed (\u00a7']);
    expect(whys('a.ts', `// RFC 7231 \u00a76.5 and seed/01_apps.sql`)).toEqual([]);
  });

  it('a link counts as broken when its file or heading is missing', () => {
    const texts: Record<string, string> = { 'docs/a.md': '# Title\n## Two words\n', README: '' };
    const pages: Pages = { exists: (path) => path in texts, read: (path) => texts[path] ?? null };
    const markdown = '[ok](a.md#two-words) [gone](missing.md) [web](https://x.y/z.md)\n' +
      '[up](../README) [typo](a.md#two)';
    expect(brokenLinks('docs/x.md', markdown, pages)).toEqual([
      'docs/x.md:1: missing.md (no such file in the repository)',
      'docs/x.md:2: a.md#two (no heading #two)',
    ]);
  });
});
