// npm run auth:templates: writes the hosted project's mail templates from scripts/emulators/auth/mail-templates.ts —
// each body to supabase/templates/<kind>.html and each subject into config.toml's [auth.email.template.<kind>] — so
// `supabase config push` gives production the mails the local Auth sends. tests/unit/hosted-mail-templates.test.ts
// fails when they differ from what this writes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HOSTED_KINDS, hostedTemplate, hostedTemplatePath } from './emulators/auth/hosted-templates.ts';
import { CONFIG_TOML, ROOT } from './stack/project.ts';
import process from 'node:process';

/** config.toml's section for one kind: a TOML literal string holds the Go template's quotes as they are. */
export function templateSection(kind: (typeof HOSTED_KINDS)[number]): string {
  const { subject } = hostedTemplate(kind);
  if (subject.includes("'")) throw new Error(`the ${kind} subject cannot be a TOML literal string`);
  return `[auth.email.template.${kind}]\nsubject = '${subject}'\ncontent_path = "${hostedTemplatePath(kind)}"\n`;
}

const SECTION = /\[auth\.email\.template\.(\w+)\]\nsubject = '[^\n]*'\ncontent_path = "[^"\n]*"\n/g;

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const kind of HOSTED_KINDS) {
    const file = join(ROOT, hostedTemplatePath(kind));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, hostedTemplate(kind).body);
  }
  const toml = readFileSync(CONFIG_TOML, 'utf8');
  const present = new Set([...toml.matchAll(SECTION)].map((m) => m[1]));
  // A kind config.toml does not have yet goes after the last template section, the others are rewritten in place.
  const added = HOSTED_KINDS.filter((kind) => !present.has(kind)).map(templateSection).join('');
  const last = [...toml.matchAll(SECTION)].at(-1)!;
  const end = last.index! + last[0].length;
  const written = (toml.slice(0, end) + added + toml.slice(end)).replace(SECTION, (_, kind) => templateSection(kind));
  writeFileSync(CONFIG_TOML, written);
  console.log(`wrote supabase/templates/*.html and the subjects in supabase/config.toml (${HOSTED_KINDS.join(', ')})`);
}
