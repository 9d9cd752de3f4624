// Auth's hourly cap on mail ([auth.rate_limit] email_sent), all users together. The shared stack runs with a cap no
// test reaches, so this drives an Auth emulator of its own, in-process on the stack's database, with a cap of 2 and
// its mail captured.
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthEmulator } from '../../scripts/emulators/auth/app.ts';
import { authSettings } from '../../scripts/emulators/auth/config.ts';
import type { OutgoingMail } from '../../scripts/emulators/auth/mailer.ts';
import { readConfigToml } from '../../scripts/stack/project.ts';
import { stackEnv } from '../helpers/stack.ts';
import { freshEmail } from '../helpers/mail.ts';
import { freshIp } from '../helpers/auth.ts';

const sql = postgres(stackEnv().dbUrl, { max: 1, onnotice: () => {} });
afterAll(() => sql.end());

function authWithCap(emailSent: number) {
  const auth = readConfigToml().auth ?? {};
  const sent: OutgoingMail[] = [];
  const app = createAuthEmulator({
    sql,
    settings: authSettings({ ...auth, rate_limit: { ...auth.rate_limit, email_sent: emailSent } }, {}),
    jwtSecret: stackEnv().jwtSecret,
    signingKey: stackEnv().signingKey,
    issuer: `${stackEnv().apiUrl}/auth/v1`,
    sendMail: (mail) => {
      sent.push(mail);
      return Promise.resolve();
    },
  });
  const post = async (path: string, body: Record<string, unknown>) => {
    const res = await app.request(`/auth/v1${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-supabase-api-version': '2024-01-01',
        'x-forwarded-for': freshIp(),
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  return { post, sent };
}

describe('the hourly mail cap (email_sent)', () => {
  it('sends email_sent mails an hour, then refuses with over_email_send_rate_limit and keeps nothing', async () => {
    const { post, sent } = authWithCap(2);
    const emails = [freshEmail('cap'), freshEmail('cap'), freshEmail('cap')];
    const answers = [];
    for (const email of emails) answers.push(await post('/signup', { email, password: 'long enough pass' }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[2].body).toMatchObject({ code: 'over_email_send_rate_limit', message: 'email rate limit exceeded' });
    expect(sent.map((m) => m.to)).toEqual(emails.slice(0, 2));
    // The refused sign-up rolled back: no user waits for a mail that never went.
    expect(await sql`select 1 from auth.users where email = ${emails[2]}`).toHaveLength(0);
    // Every kind of mail counts against the same cap.
    expect(await post('/recover', { email: emails[0] })).toMatchObject({ status: 429 });
  });
});
