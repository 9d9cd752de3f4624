// The Auth mails' templates (scripts/emulators/auth/mail-templates.ts): every kind in both languages, with the app's
// name, the code, and the link where GoTrue's template has one.
import { describe, expect, it } from 'vitest';
import { audienceOf, type MailKind, renderMail } from '../../scripts/emulators/auth/mail-templates.ts';

const KINDS: MailKind[] = ['confirmation', 'invite', 'recovery', 'magic_link', 'email_change', 'reauthentication'];
const LINK = 'http://127.0.0.1:54321/auth/v1/verify?token=abc&type=signup&redirect_to=http%3A%2F%2F127.0.0.1%3A3000';

describe('mail templates', () => {
  it.each(KINDS)('write %s in zh-CN and en with the app name, the code, and a link unless reauthentication', (kind) => {
    for (const [locale, app] of [['zh-CN', '焕新之旅'], ['en', 'Quit Journey']] as const) {
      const mail = renderMail(kind, { app: 'quit', locale }, {
        code: '123456',
        link: LINK,
        email: 'a@mail.houtai.dev',
      });
      expect(mail.subject).toContain(app);
      expect(mail.text).toContain('123456');
      expect(mail.html).toContain('<strong>123456</strong>');
      if (kind === 'reauthentication') expect(mail.text).not.toContain(LINK);
      else expect(mail.html).toContain(`href="${LINK.replaceAll('&', '&amp;')}"`);
    }
  });

  it("takes app and language from user_metadata app_id and locale, else the backend's name in zh-CN", () => {
    expect(audienceOf({ app_id: 'coach', locale: 'en-US' })).toEqual({ app: 'coach', locale: 'en' });
    expect(audienceOf({ app_id: 'not-an-app', locale: 'fr' })).toEqual({ app: undefined, locale: 'zh-CN' });
    expect(audienceOf(null)).toEqual({ app: undefined, locale: 'zh-CN' });
    expect(renderMail('recovery', audienceOf(null), { code: '1', email: 'a@b.cn' }).subject).toBe('后台：重置密码');
  });

  it('escapes what a user chose before it goes into the HTML part', () => {
    const mail = renderMail('email_change', { locale: 'en' }, { code: '1', link: LINK, email: '"><script>x</script>' });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
  });
});
