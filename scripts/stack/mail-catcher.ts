// The stack's mail catcher: MailDev (pinned in package.json), where Auth's SMTP mail goes locally. A developer reads
// it in the browser (its web inbox, linked from the `npm start` banner); tests read it through its HTTP API
// (tests/helpers/mail.ts). Both listen on 127.0.0.1 only, and SMTP takes only the stack's own credentials.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { ROOT } from './project.ts';
import { spawnBound } from './spawn.ts';

const MAILDEV = join(ROOT, 'node_modules/maildev/dist/bin/maildev.js');

export interface MailCatcher {
  /** The web inbox and its HTTP API (`/api/email`). */
  url: string;
  /** What Auth's [auth.email.smtp] resolves to on this stack (see stack.ts). */
  smtp: { host: string; port: number; user: string; pass: string };
  child: ChildProcess;
  logFile: string;
}

export function startMailCatcher(opts: { dir: string; web: number; smtp: number }): MailCatcher {
  const logFile = join(opts.dir, 'mail-catcher.log');
  const mailDir = join(opts.dir, 'mail');
  mkdirSync(mailDir, { recursive: true });
  const smtp = { host: '127.0.0.1', port: opts.smtp, user: 'houtai', pass: randomBytes(18).toString('base64url') };
  const out = openSync(logFile, 'a');
  const child = spawnBound(
    process.execPath,
    [
      MAILDEV,
      '--ip',
      '127.0.0.1',
      '--web-ip',
      '127.0.0.1',
      '--smtp',
      String(opts.smtp),
      '--web',
      String(opts.web),
      '--incoming-user',
      smtp.user,
      '--incoming-pass',
      smtp.pass,
      '--mail-directory',
      mailDir,
      // A long-running `npm start` keeps the newest thousand mails.
      '--max-emails',
      '1000',
    ],
    { cwd: ROOT, stdio: ['ignore', out, out], deathSignal: 'SIGTERM' },
  );
  return { url: `http://127.0.0.1:${opts.web}`, smtp, child, logFile };
}
