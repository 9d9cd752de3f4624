// The hosted project's mail templates (config.toml [auth.email.template.*] and supabase/templates/) are what
// `npm run auth:templates` makes from the local Auth's templates, so production mails what the emulator mails.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOSTED_KINDS, hostedTemplate, hostedTemplatePath } from '../../scripts/emulators/auth/hosted-templates.ts';
import { readConfigToml, ROOT } from '../../scripts/stack/project.ts';

const templates = readConfigToml().auth?.email?.template ?? {};

describe('hosted mail templates', () => {
  it.each(HOSTED_KINDS)('%s: config.toml and supabase/templates are what npm run auth:templates writes', (kind) => {
    const { subject, body } = hostedTemplate(kind);
    expect(templates[kind]).toEqual({ subject, content_path: hostedTemplatePath(kind) });
    expect(readFileSync(join(ROOT, hostedTemplatePath(kind)), 'utf8')).toBe(body);
  });

  it("chooses the app's name and the language in the template from .Data, as the local Auth does", () => {
    const { subject, body } = hostedTemplate('recovery');
    expect(subject).toContain('{{- if eq (printf "%.2s" .Data.locale) "en" -}}');
    expect(subject).toContain('{{- if eq (printf "%v" .Data.app_id) "quit" }}{{ $app = "Quit Journey" }}{{ end -}}');
    expect(subject).toContain('{{ $app }}: reset your password');
    expect(body).toContain('<a href="{{ .ConfirmationURL }}">重置密码</a>');
    expect(body).toContain('<strong>{{ .Token }}</strong>');
  });
});
