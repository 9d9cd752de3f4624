// The hosted project's mail templates, made from mail-templates.ts so production sends the mails the emulator does:
// GoTrue renders `[auth.email.template.<kind>]` (subject in config.toml, body in supabase/templates/<kind>.html) as Go
// html/template with the user's metadata as `.Data`. The app and language are chosen in the template as
// audienceOf() chooses them: `printf` turns a missing or non-string value into text that matches nothing, so such a
// user gets the backend's name in zh-CN. `npm run auth:templates` writes the files; a test holds them to this module.
import { APP_IDS } from '../../../functions/_shared/apps.ts';
import { APP_NAMES, BACKEND_NAME, composeMail, type MailKind, type MailLocale } from './mail-templates.ts';

export const HOSTED_KINDS: MailKind[] = [
  'confirmation',
  'invite',
  'recovery',
  'magic_link',
  'email_change',
  'reauthentication',
];

/** Where config.toml's content_path points (relative to the project root, as the CLI reads it). */
export const hostedTemplatePath = (kind: MailKind) => `./supabase/templates/${kind}.html`;

const goString = (s: string) => JSON.stringify(s);

/** Declares `$app`: the app's name in `locale`, from `.Data.app_id`. */
function appNameVariable(locale: MailLocale): string {
  return [
    `{{- $app := ${goString(BACKEND_NAME[locale])} -}}`,
    ...APP_IDS.map((id) =>
      `{{- if eq (printf "%v" .Data.app_id) ${goString(id)} }}{{ $app = ${goString(APP_NAMES[id][locale])} }}{{ end -}}`
    ),
  ].join('');
}

/** English when `.Data.locale` starts with "en", else Chinese. */
function byLocale(part: (locale: MailLocale) => string): string {
  return `{{- if eq (printf "%.2s" .Data.locale) "en" -}}${part('en')}{{- else -}}${part('zh-CN')}{{- end -}}`;
}

/** GoTrue's variables in place of the values the emulator fills in. */
function goMail(kind: MailKind, locale: MailLocale) {
  return composeMail(kind, locale, '{{ $app }}', {
    code: '{{ .Token }}',
    link: '{{ .ConfirmationURL }}',
    email: kind === 'email_change' ? '{{ .NewEmail }}' : '{{ .Email }}',
  });
}

export function hostedTemplate(kind: MailKind): { subject: string; body: string } {
  return {
    subject: byLocale((locale) => `${appNameVariable(locale)}${goMail(kind, locale).subject}`),
    body: `${byLocale((locale) => `${appNameVariable(locale)}\n${goMail(kind, locale).html}\n`)}\n`,
  };
}
