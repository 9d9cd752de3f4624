// Auth's outgoing mail: through the SMTP server [auth.email.smtp] names (locally the stack's mail catcher), as
// GoTrue's mailer sends it; implicit TLS on port 465 and STARTTLS when offered elsewhere, as GoTrue's dialer does.
import nodemailer from 'nodemailer';
import type { SmtpSettings } from './config.ts';
import { AuthError } from './errors.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type SendMail = (mail: OutgoingMail) => Promise<void>;

export function smtpMailer(smtp: SmtpSettings): SendMail {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.port === 465,
    auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : undefined,
    connectionTimeout: 10_000,
  });
  return async (mail) => {
    try {
      await transport.sendMail({
        from: smtp.senderName ? { name: smtp.senderName, address: smtp.adminEmail } : smtp.adminEmail,
        ...mail,
      });
    } catch (err) {
      // GoTrue answers a failed send with a 500 and rolls back what the request wrote (tokens, a new user).
      console.error('[auth emulator] SMTP send failed:', (err as Error).message);
      throw new AuthError(500, 'unexpected_failure', 'Error sending email');
    }
  };
}

/** Without [auth.email.smtp]: the mail is printed, as SMS codes are without the hook. */
export const printMailer: SendMail = (mail) => {
  console.log(`[auth emulator] mail to ${mail.to}: ${mail.subject}\n${mail.text}`);
  return Promise.resolve();
};
