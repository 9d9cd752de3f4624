// POST /hooks/auth/send-sms — Supabase Auth's send-SMS hook: Auth hands us the code, we deliver it.
// Auth signs the call (Standard Webhooks); its reply contract is: 200 with JSON to confirm, or 200 with
// {"error":{"http_code","message"}} to fail the sign-in request with that status and message. One code per call:
// a replayed webhook-id sends nothing (once-per-call.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { Webhook } from 'standardwebhooks';
import type { Context } from 'hono';
import type { AppEnv } from '../../_shared/http/context.ts';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { errorResponses, jsonContent } from '../../_shared/http/openapi.ts';
import { ApiError } from '../../_shared/errors.ts';
import { e164Digits } from '../../_shared/phone.ts';
import { SmsError, type SmsSender } from '../../_shared/providers/sms.ts';
import { takeTokens } from '../../_shared/rate-limit.ts';
import { oncePerCall } from '../once-per-call.ts';
import { refused } from '../../_shared/http/refused.ts';

const Payload = z.object({
  // Auth's user id: audited as a uuid, so anything else is refused before a code is sent.
  user: z.object({ id: z.uuid(), phone: z.string().optional() }).passthrough(),
  sms: z.object({ otp: z.string().regex(/^\d{4,10}$/), phone: z.string().optional() }),
  metadata: z.object({ ip_address: z.string().optional() }).passthrough().optional(),
});
type Payload = z.infer<typeof Payload>;

const HookReply = z
  .object({ error: z.object({ http_code: z.number().int(), message: z.string() }).optional() })
  .openapi('AuthHookReply');

const route = createRoute({
  method: 'post',
  path: '/auth/send-sms',
  tags: ['auth hooks'],
  summary: 'Send-SMS hook of Supabase Auth: delivers the one-time code with Aliyun SMS',
  description: 'Signed with Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). ' +
    'Delivery failures are reported in the body, as Auth expects; ' +
    'a call whose webhook-id was already acted on is answered {} and sends nothing.',
  responses: {
    200: jsonContent(HookReply, '{} when sent; {"error":{http_code,message}} when not'),
    ...errorResponses(401, 429, 503),
  },
});

/** Verifies the Standard Webhooks signature against each configured secret; refuses (401) when none matches. */
function verifySignature(c: Context<AppEnv>, secrets: string, body: string, headers: Record<string, string>) {
  for (const secret of secrets.split('|')) {
    try {
      new Webhook(secret.replace(/^v1,/, '')).verify(body, headers);
      return;
    } catch {
      // try the next secret
    }
  }
  throw refused(
    c,
    'send-sms',
    'bad signature',
    new ApiError('INVALID_SIGNATURE', 'The webhook signature is missing, invalid or too old.'),
  );
}

const hookError = (c: Context<AppEnv>, httpCode: number, message: string) =>
  c.json({ error: { http_code: httpCode, message } }, 200);

/** Sends the code unless a limit or the provider refuses; `acted()` as soon as the SMS has gone out. */
async function sendCode(c: Context<AppEnv>, sender: SmsSender, payload: Payload, phone: string, acted: () => void) {
  const ip = payload.metadata?.ip_address || undefined;
  const { limits } = c.var.config.sms;
  const retry = await takeTokens(c.var.db.sql, [
    { key: `sms:phone:${phone}`, ...limits.phone },
    ...(ip ? [{ key: `sms:ip:${ip}`, ...limits.ip }] : []),
  ]);
  if (retry > 0) return hookError(c, 429, `Too many codes requested; try again in ${retry} seconds.`);

  try {
    await sender.sendOtp(phone, payload.sms.otp);
  } catch (err) {
    if (err instanceof SmsError) {
      console.error(JSON.stringify({ level: 'warn', request_id: c.var.requestId, sms_error: err.providerCode }));
      return hookError(c, err.status, err.message);
    }
    throw err;
  }
  acted();
  await c.var.db.asService((tx) =>
    tx`select internal.audit('otp_sent', ${payload.user.id}::uuid, null, ${ip ?? null}, null, ${
      tx.json({ provider: sender.name })
    })`
  );
  return c.json({}, 200);
}

export function registerSendSmsHook(app: HoutaiApp, sender: () => SmsSender) {
  app.openapi(route, async (c) => {
    const secrets = c.var.config.sms.hookSecrets;
    if (!secrets) {
      throw new ApiError('SERVICE_UNAVAILABLE', 'The send-SMS hook secret (SEND_SMS_HOOK_SECRETS) is not configured.');
    }
    const body = await c.req.text();
    const webhookId = c.req.header('webhook-id') ?? '';
    verifySignature(c, secrets, body, {
      'webhook-id': webhookId,
      'webhook-timestamp': c.req.header('webhook-timestamp') ?? '',
      'webhook-signature': c.req.header('webhook-signature') ?? '',
    });

    let payload: Payload;
    try {
      payload = Payload.parse(JSON.parse(body));
    } catch {
      return hookError(
        c,
        400,
        'The hook payload is not a send-SMS event (a user with a UUID id, an sms with its otp).',
      );
    }
    const phone = e164Digits(payload.sms.phone ?? payload.user.phone ?? '');
    if (!phone) return hookError(c, 400, 'Invalid phone number: use E.164, e.g. +8613800138000.');

    // A replay of a call already acted on sent its code then: answered as a success, as Auth expects.
    const reply = await oncePerCall(
      c.var.db,
      'send-sms',
      webhookId,
      (acted) => sendCode(c, sender(), payload, phone, acted),
    );
    return reply ?? c.json({}, 200);
  });
}
