// Auth's mail as the stack's mail catcher (MailDev) received it over SMTP, read through its HTTP API: the code and
// the link a user would take from it, and fresh addresses that Auth will mail (hosted Auth refuses example.com,
// .local and the like with email_address_invalid, and so does the emulator).
import { anonClient } from './auth.ts';
import { stackEnv } from './stack.ts';

export interface CaughtMail {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string; name?: string }[];
  from: { address: string; name?: string }[];
  time: string;
}

let counter = 0;

/** An address no other test uses, on a domain Auth mails. */
export function freshEmail(prefix = 'u'): string {
  counter++;
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}-${counter}@mail.houtai.dev`;
}

/** Every mail sent to the address, oldest first. */
export async function mailsTo(address: string): Promise<CaughtMail[]> {
  const url = new URL('/api/email', stackEnv().mailUrl);
  url.searchParams.set('to.address', address.toLowerCase());
  url.searchParams.set('sort', 'asc');
  const res = await fetch(url);
  if (!res.ok) throw new Error(`mail catcher: GET ${url} → ${res.status}`);
  return (await res.json()) as CaughtMail[];
}

/** The newest mail to the address; fails when none came. */
export async function lastMailTo(address: string): Promise<CaughtMail> {
  const mails = await mailsTo(address);
  if (mails.length === 0) throw new Error(`no mail was sent to ${address}`);
  return mails.at(-1)!;
}

/** The 6-digit code in a mail. */
export function codeIn(mail: CaughtMail): string {
  const m = /(?:Code: |验证码：)(\d{6})/.exec(mail.text);
  if (!m) throw new Error(`no code in the mail "${mail.subject}":\n${mail.text}`);
  return m[1];
}

/** The Auth link in a mail (GET /auth/v1/verify?token=…&type=…&redirect_to=…). */
export function linkIn(mail: CaughtMail): URL {
  const m = /(https?:\/\/\S+\/auth\/v1\/verify\?\S+)/.exec(mail.text);
  if (!m) throw new Error(`no link in the mail "${mail.subject}":\n${mail.text}`);
  return new URL(m[1]);
}

/**
 * Follows a mailed link as a browser would, without following Auth's redirect: where it sends the browser, and the
 * fields of that URL's fragment (a session, or an error).
 */
export async function openLink(link: URL): Promise<{ status: number; location: URL; fragment: URLSearchParams }> {
  const res = await fetch(link, { redirect: 'manual' });
  await res.body?.cancel();
  const location = new URL(res.headers.get('location') ?? '');
  return { status: res.status, location, fragment: new URLSearchParams(location.hash.slice(1)) };
}

/**
 * Signs up by email as an app does and confirms with the mailed code: the user, and the session the confirmation
 * began (amr `otp`).
 */
export async function signUpConfirmed(
  email: string,
  password: string,
  opts: { ip?: string; data?: Record<string, unknown> } = {},
) {
  const client = anonClient({ ip: opts.ip });
  const signUp = await client.auth.signUp({ email, password, options: { data: opts.data } });
  if (signUp.error) throw signUp.error;
  const token = codeIn(await lastMailTo(email));
  const { data, error } = await client.auth.verifyOtp({ email, token, type: 'signup' });
  if (error) throw error;
  return { user: data.user!, session: data.session! };
}
