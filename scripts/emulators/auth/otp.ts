// One-time codes: generated and hashed as GoTrue stores them (SMS and mail alike); SMS ones delivered through the
// send-SMS hook with a Standard Webhooks signature and GoTrue's payload.
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { AuthError } from './errors.ts';
import type { UserRow } from './users.ts';

export function generateOtp(length: number): string {
  const digits = crypto.getRandomValues(new Uint32Array(length));
  return Array.from(digits, (d) => String(d % 10)).join('');
}

/** hex(SHA-224(address + otp)), the phone or email the code went to: how GoTrue keeps a code in auth.users. */
export function otpHash(address: string, otp: string): string {
  return createHash('sha224').update(address + otp).digest('hex');
}

export interface SmsHook {
  uri: string;
  secrets: string;
}

/** Calls the hook as GoTrue does and reads its reply by GoTrue's rules for HTTP hooks. */
export async function sendSmsHook(hook: SmsHook, payload: { user: unknown; phone: string; otp: string; ip?: string }) {
  const id = crypto.randomUUID();
  const now = new Date();
  const body = JSON.stringify({
    metadata: { uuid: id, time: now.toISOString(), name: 'send-sms', ip_address: payload.ip ?? '' },
    user: payload.user,
    sms: { otp: payload.otp, phone: payload.phone },
  });
  // Several secrets may be configured ("|"-separated): sign with each, as GoTrue does.
  const signatures = hook.secrets
    .split('|')
    .map((secret) => new Webhook(secret.replace(/^v1,/, '')).sign(id, now, body))
    .join(' ');

  let res: Response | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      res = await fetch(hook.uri, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signatures,
        },
        body,
        signal: AbortSignal.timeout(5000),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        throw new AuthError(422, 'hook_timeout', 'Failed to reach hook within maximum time of 5.000000 seconds');
      }
      if (attempt === 3) {
        throw new AuthError(422, 'hook_timeout_after_retry', 'Failed to reach hook after maximum retries');
      }
      continue;
    }
    if ((res.status === 429 || res.status === 503) && res.headers.get('retry-after') && attempt < 3) continue;
    break;
  }
  if (!res) throw new AuthError(422, 'hook_timeout_after_retry', 'Failed to reach hook after maximum retries');
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  if (res.status === 204) return;
  if (!type.includes('json')) {
    throw new AuthError(400, 'hook_payload_invalid_content_type', 'Invalid Content-Type: Missing Content-Type header');
  }
  if (text.length > 200 * 1024) {
    throw new AuthError(422, 'hook_payload_over_size_limit', 'Payload size exceeded size limit');
  }
  let parsed: { error?: { http_code?: number; message?: string } } = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    throw new AuthError(500, 'unexpected_failure', 'Error unmarshaling Send SMS output.');
  }
  if (parsed.error) {
    const status = parsed.error.http_code || 500;
    throw new AuthError(
      status,
      status >= 500 ? 'unexpected_failure' : 'unknown',
      parsed.error.message ?? 'hook failed',
    );
  }
  if (res.status !== 200 && res.status !== 202) {
    throw new AuthError(500, 'unexpected_failure', 'Unexpected status code returned from hook');
  }
}

export type OtpUser = Pick<UserRow, 'id' | 'phone'>;
