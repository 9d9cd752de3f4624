// The mails Auth sends, per app and locale (zh-CN, en), with the app's name. Which app and locale: the user's
// `user_metadata.app_id` and `user_metadata.locale`, the keys an app sends as `options.data` at sign-up (the
// sign-up trigger reads the same two); none or an unknown one → the backend's own name, zh-CN; a locale whose first two
// letters are "en" → English. Every mail carries both a 6-digit code (verifyOtp) and, where GoTrue's template has one,
// the link (GET /auth/v1/verify). hosted-templates.ts turns the same words into the hosted project's Go templates.
import { type AppId, isAppId } from '../../../functions/_shared/apps.ts';

export type MailKind = 'confirmation' | 'invite' | 'recovery' | 'magic_link' | 'email_change' | 'reauthentication';
export type MailLocale = 'zh-CN' | 'en';

// The apps' names as seed/01_apps.sql has them: Auth writes as supabase_auth_admin, which cannot read public.apps.
export const APP_NAMES: Record<AppId, Record<MailLocale, string>> = {
  coach: { 'zh-CN': '日常教练', en: 'Daily Coach' },
  companion: { 'zh-CN': 'AI 伴侣', en: 'Companion' },
  quit: { 'zh-CN': '焕新之旅', en: 'Quit Journey' },
  diary: { 'zh-CN': '成长日记', en: 'Growth Diary' },
  pickitchen: { 'zh-CN': 'PicKitchen', en: 'PicKitchen' },
};
export const BACKEND_NAME: Record<MailLocale, string> = { 'zh-CN': '后台', en: 'Houtai' };
export const MAIL_LOCALES: MailLocale[] = ['zh-CN', 'en'];

interface Copy {
  subject: string;
  /** What the mail is for; `{email}` is the address being confirmed. */
  lead: string;
  /** The link's words; none for reauthentication, whose code is all there is. */
  action?: string;
}

// `{app}` is the app's name in the mail's locale.
const COPY: Record<MailLocale, Record<MailKind, Copy> & { code: string; expiry: string; ignore: string }> = {
  'zh-CN': {
    confirmation: { subject: '{app}：验证你的邮箱', lead: '欢迎使用{app}！请验证邮箱 {email}。', action: '验证邮箱' },
    invite: { subject: '{app}：邀请你加入', lead: '你受邀使用{app}，账号为 {email}。', action: '接受邀请' },
    recovery: { subject: '{app}：重置密码', lead: '我们收到了重置{app}账号 {email} 密码的请求。', action: '重置密码' },
    magic_link: { subject: '{app}：登录链接', lead: '使用下面的链接或验证码登录{app}。', action: '登录' },
    email_change: {
      subject: '{app}：确认更换邮箱',
      lead: '请确认将{app}账号的邮箱更换为 {email}。',
      action: '确认更换',
    },
    reauthentication: { subject: '{app}：确认是你本人', lead: '你正在{app}中进行敏感操作，请输入下面的验证码。' },
    code: '验证码：',
    expiry: '链接和验证码一小时内有效，只能使用一次。',
    ignore: '如果这不是你本人的操作，请忽略这封邮件。',
  },
  en: {
    confirmation: {
      subject: '{app}: confirm your email',
      lead: 'Welcome to {app}! Confirm {email}.',
      action: 'Confirm',
    },
    invite: {
      subject: '{app}: your invitation',
      lead: 'You are invited to {app} as {email}.',
      action: 'Accept the invite',
    },
    recovery: {
      subject: '{app}: reset your password',
      lead: 'We got a request to reset the password of your {app} account {email}.',
      action: 'Reset password',
    },
    magic_link: {
      subject: '{app}: your sign-in link',
      lead: 'Sign in to {app} with the link or code below.',
      action: 'Sign in',
    },
    email_change: {
      subject: '{app}: confirm your new email',
      lead: 'Confirm changing the email of your {app} account to {email}.',
      action: 'Confirm change',
    },
    reauthentication: { subject: '{app}: confirm it is you', lead: 'Enter this code in {app} to continue.' },
    code: 'Code: ',
    expiry: 'The link and code work once, for an hour.',
    ignore: "If you didn't ask for this, ignore this mail.",
  },
};

export interface MailAudience {
  app?: AppId;
  locale: MailLocale;
}

/** The app and locale a user's mails are written for (see the top of this file). */
export function audienceOf(userMetadata: Record<string, unknown> | null): MailAudience {
  const app = String(userMetadata?.app_id ?? '');
  const locale = String(userMetadata?.locale ?? '');
  return { app: isAppId(app) ? app : undefined, locale: locale.slice(0, 2) === 'en' ? 'en' : 'zh-CN' };
}

export interface MailContent {
  /** The 6-digit code (GoTrue's {{ .Token }}). */
  code: string;
  /** GoTrue's {{ .ConfirmationURL }}; reauthentication has none. */
  link?: string;
  /** The address the mail is about: the account's, or the new one for an email change. */
  email: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

export function renderMail(kind: MailKind, audience: MailAudience, content: MailContent) {
  const app = audience.app ? APP_NAMES[audience.app][audience.locale] : BACKEND_NAME[audience.locale];
  return composeMail(kind, audience.locale, app, content);
}

/** One kind of mail in one locale, `app` being the app's name: what the local Auth and the hosted templates send. */
export function composeMail(kind: MailKind, locale: MailLocale, app: string, content: MailContent) {
  const words = COPY[locale];
  const fill = (s: string) => s.replaceAll('{app}', app).replaceAll('{email}', content.email);
  const { subject, lead, action } = words[kind];
  const link = action ? content.link : undefined;
  const text = [
    fill(lead),
    ...(link ? [`${action}: ${link}`] : []),
    `${words.code}${content.code}`,
    words.expiry,
    words.ignore,
  ].join('\n\n');
  const html = [
    `<p>${escapeHtml(fill(lead))}</p>`,
    ...(link ? [`<p><a href="${escapeHtml(link)}">${escapeHtml(action!)}</a></p>`] : []),
    `<p>${escapeHtml(words.code)}<strong>${escapeHtml(content.code)}</strong></p>`,
    `<p>${escapeHtml(words.expiry)}</p>`,
    `<p>${escapeHtml(words.ignore)}</p>`,
  ].join('\n');
  return { subject: fill(subject), text, html };
}
