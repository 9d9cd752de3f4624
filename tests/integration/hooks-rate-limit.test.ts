// The hooks function (/hooks/*) called in-process with a tiny per-address limit: flooding it from one address
// is refused before any hook runs, other addresses are not affected, and a refused delivery is only logged.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inProcessHooks } from '../helpers/in-process.ts';
import { expectRateLimit, times } from '../helpers/rate-limit.ts';

const SECRET = 'Bearer in-process-webhook-secret-0123456789';
const hooks = inProcessHooks({ RATE_LIMIT_HOOKS_IP: '2/60', REVENUECAT_WEBHOOK_AUTH: SECRET });
let addresses = 0;
/** An address no other test here has used (each run has a fresh database). */
const address = () => `192.0.2.${++addresses}`;

const forge = (forwardedFor: string) =>
  hooks.request('/revenuecat', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer guess', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({
      api_version: '1.0',
      event: { id: crypto.randomUUID(), type: 'TEST', event_timestamp_ms: Date.now() },
    }),
  });

describe('hooks rate limit', () => {
  afterEach(() => vi.restoreAllMocks());

  it('answers 429 with Retry-After in the error envelope once an address has spent its bucket', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const ip = address();
    const last = (await expectRateLimit(times(2, 401), () => forge(ip))).at(-1)!;
    expect(Number(last.headers.get('retry-after'))).toBe(30);
    const body = await last.json();
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.details[0]).toMatchObject({ code: 'rate_limited', retry_after: 30 });
    expect(typeof body.request_id).toBe('string');
  });

  it('limits per client address: another address, and every hook path, count apart', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const [a, b] = [address(), address()];
    expect((await forge(a)).status).toBe(401);
    expect((await hooks.request('/health', { headers: { 'x-forwarded-for': a } })).status).toBe(200);
    expect((await forge(a)).status).toBe(429);
    // A client rotating a spoofed left-hand entry is still the address the proxy appended.
    expect((await forge(`6.6.6.6, ${a}`)).status).toBe(429);
    expect((await forge(b)).status).toBe(401);
  });

  it('logs a refused delivery with the client address the trusted proxy saw, not the forwarded chain', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
    const ip = address();
    const res = await forge(`${'203.0.113.66, '.repeat(300)}${ip}`);
    expect(res.status).toBe(401);
    const refused = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'hook delivery refused');
    expect(refused).toEqual([
      expect.objectContaining({ level: 'warn', hook: 'revenuecat', reason: 'bad authorization', client: ip }),
    ]);
    expect(lines.join('\n')).not.toContain('203.0.113.66');
  });
});
