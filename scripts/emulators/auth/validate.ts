// Input rules GoTrue applies to emails, phones and passwords.
import { AuthError, validation } from './errors.ts';

/** One label of a domain name: letters, digits and inner hyphens, at most 63 characters. */
const DOMAIN_LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?';
const EMAIL = new RegExp(`^[a-zA-Z0-9.!#$%&'*+/=?^_\`{|}~-]+@${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})+$`);

export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!EMAIL.test(e) || e.length > 255) throw validation('Unable to validate email address: invalid format');
  return e;
}

/** GoTrue strips "+" and spaces, then wants E.164 digits. */
export function normalizePhone(phone: string): string {
  const p = phone.replace(/[+\s]/g, '');
  if (!/^[1-9]\d{1,14}$/.test(p)) throw validation('Invalid phone number format (E.164 required)');
  return p;
}

// Addresses Supabase's hosted Auth refuses to mail (GoTrue's extended email validation, its network-free part): typed
// constantly and never anyone's inbox.
const UNDELIVERABLE_ADDRESSES = new Set(['test@gmail.com', 'example@gmail.com', 'someone@gmail.com', 'test@email.com']);
const UNDELIVERABLE_HOSTS = new Set([
  'test',
  'example',
  'invalid',
  'local',
  'localhost',
  'test.com',
  'example.com',
  'example.net',
  'example.org',
  'gamil.com',
  'gamai.com',
  'anonymous.com',
  'email.com',
]);
const UNDELIVERABLE_SUFFIXES = ['.test', '.example', '.invalid', '.local', '.localhost'];

/** 400 email_address_invalid for an address a mail would be sent to that hosted Auth refuses. */
export function checkDeliverable(email: string) {
  const host = email.slice(email.lastIndexOf('@') + 1);
  if (
    UNDELIVERABLE_ADDRESSES.has(email) || UNDELIVERABLE_HOSTS.has(host) ||
    UNDELIVERABLE_SUFFIXES.some((suffix) => host.endsWith(suffix))
  ) {
    throw new AuthError(400, 'email_address_invalid', `Email address "${email}" is invalid`);
  }
}

export function checkPassword(password: unknown, minLength: number): string {
  if (typeof password !== 'string' || password === '') throw validation('Signup requires a valid password');
  if (password.length > 72) throw validation('Password cannot be longer than 72 characters');
  if (password.length < minLength) {
    throw new AuthError(422, 'weak_password', `Password should be at least ${minLength} characters.`, {
      weak_password: { reasons: ['length'] },
    });
  }
  return password;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The password of an account made without one (an OTP sign-up, an admin's user): nobody knows it. */
export const randomPassword = () => crypto.randomUUID() + crypto.randomUUID();

/** A JSON object (not an array, not null): what GoTrue decodes metadata into. */
export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
