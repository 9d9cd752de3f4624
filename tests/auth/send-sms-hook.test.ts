// The send-SMS hook (functions/hooks): only Auth, signing with the shared secret, may make it send.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { failNextSms, freshPhone, sentSms } from '../helpers/auth.ts';
import { expectRateLimit, times } from '../helpers/rate-limit.ts';
import { Buffer } from 'node:buffer';

const hookUrl = () => `${stackEnv().apiUrl}/functions/v1/hooks/auth/send-sms`;

function payload(phone: string, otp = '123456', userId: string = crypto.randomUUID()) {
  return JSON.stringify({
    metadata: {
      uuid: crypto.randomUUID(),
      time: new Date().toISOString(),
      name: 'send-sms',
      ip_address: '203.0.113.7',
    },
    user: { id: userId, phone },
    sms: { otp, phone },
  });
}

function signed(body: string, opts: { secret?: string; at?: Date } = {}) {
  const id = `msg_${crypto.randomUUID()}`;
  const at = opts.at ?? new Date();
  const secret = (opts.secret ?? stackEnv().sendSmsHookSecret).replace(/^v1,/, '');
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

async function post(body: string, headers: Record<string, string>) {
  const res = await fetch(hookUrl(), { method: 'POST', headers, body });
  return { status: res.status, body: await res.json() };
}

describe('send-SMS hook', () => {
  it('sends the code through Aliyun for a correctly signed call', async () => {
    const phone = freshPhone().slice(1);
    const body = payload(phone, '654321');
    const res = await post(body, signed(body));
    expect(res).toEqual({ status: 200, body: {} });
    const [sms] = await sentSms(`+${phone}`);
    expect(sms.templateParam).toEqual({ code: '654321' });
    const [audit] = await adminSql()`
      select action, ip::text from internal.audit_log where action = 'otp_sent' and details ->> 'provider' = 'aliyun'
      order by id desc limit 1`;
    expect(audit).toMatchObject({ action: 'otp_sent', ip: '203.0.113.7/32' });
  });

  it('rejects unsigned, wrongly signed and stale calls with 401 and sends nothing', async () => {
    const phone = freshPhone().slice(1);
    const body = payload(phone);
    const unsigned = await post(body, { 'content-type': 'application/json' });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.code).toBe('INVALID_SIGNATURE');
    const forged = await post(body, signed(body, { secret: `v1,whsec_${Buffer.alloc(32, 7).toString('base64')}` }));
    expect(forged.status).toBe(401);
    const stale = await post(body, signed(body, { at: new Date(Date.now() - 10 * 60 * 1000) }));
    expect(stale.status).toBe(401);
    const tampered = signed(body);
    const res = await post(payload(phone, '999999'), tampered);
    expect(res.status).toBe(401);
    expect(await sentSms(`+${phone}`)).toHaveLength(0);
  });

  it("answers an invalid number in Auth's error format", async () => {
    for (const phone of ['8612345', '8625012345678', 'abc']) {
      const body = payload(phone);
      const res = await post(body, signed(body));
      expect(res.status, phone).toBe(200);
      expect(res.body.error.http_code, phone).toBe(400);
    }
  });

  it('limits codes per number (5 per hour)', async () => {
    const phone = freshPhone().slice(1);
    // Auth's hook protocol: the hook answers 200 and puts the status it means in the body.
    await expectRateLimit(times(5, 200), async () => {
      const body = payload(phone);
      const res = await post(body, signed(body));
      return { status: res.body.error?.http_code ?? res.status };
    });
    expect(await sentSms(`+${phone}`)).toHaveLength(5);
  });
  it('sends one code per webhook-id, however often and concurrently the signed request is replayed', async () => {
    const phone = freshPhone().slice(1);
    const body = payload(phone, '246810');
    const headers = signed(body);
    const concurrent = await Promise.all(Array.from({ length: 4 }, () => post(body, headers)));
    expect(concurrent).toEqual(Array(4).fill({ status: 200, body: {} }));
    expect(await post(body, headers)).toEqual({ status: 200, body: {} });
    expect(await sentSms(`+${phone}`)).toHaveLength(1);
    // A new call from Auth (its own webhook-id) is a new code.
    const next = payload(phone, '135791');
    expect(await post(next, signed(next))).toEqual({ status: 200, body: {} });
    expect((await sentSms(`+${phone}`)).map((m) => m.templateParam.code)).toEqual(['246810', '135791']);
  });

  it('lets a replay send when the first attempt sent nothing', async () => {
    const phone = freshPhone().slice(1);
    await failNextSms(`+${phone}`, 'isv.BUSINESS_LIMIT_CONTROL');
    const body = payload(phone, '112233');
    const headers = signed(body);
    const failed = await post(body, headers);
    expect(failed.status).toBe(200);
    expect(failed.body.error.http_code).toBeGreaterThanOrEqual(400);
    expect(await post(body, headers)).toEqual({ status: 200, body: {} });
    expect((await sentSms(`+${phone}`)).map((m) => m.templateParam.code)).toEqual(['112233']);
  });

  it("refuses a user id that is not a UUID in Auth's error format, before sending anything", async () => {
    const phone = freshPhone().slice(1);
    const body = payload(phone, '123456', 'not-a-uuid');
    const res = await post(body, signed(body));
    expect(res.status).toBe(200);
    expect(res.body.error.http_code).toBe(400);
    expect(await sentSms(`+${phone}`)).toHaveLength(0);
  });
});
