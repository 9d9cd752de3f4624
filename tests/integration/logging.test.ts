import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inProcessApi } from '../helpers/in-process.ts';
import { createUser } from '../helpers/users.ts';

describe('request logging', () => {
  const api = inProcessApi({ LOG_REQUESTS: 'true' });
  // A route that throws, on an app instance of this test's own (routes must exist before the first request).
  const failing = inProcessApi({ LOG_REQUESTS: 'true' });
  failing.app.get('/boom', () => {
    throw new Error('secret internal detail');
  });
  afterEach(() => vi.restoreAllMocks());

  /** The JSON lines the app writes with console.log while `run` runs. */
  async function logLines(run: () => Response | Promise<Response>): Promise<{ res: Response; lines: string[] }> {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const res = await run();
    vi.restoreAllMocks();
    return { res, lines };
  }

  it('writes a JSON line per request: request id, method, route pattern, status, duration, app and user', async () => {
    const user = await createUser();
    const { res, lines } = await logLines(() =>
      api.request('/pickitchen/me', {
        headers: { authorization: `Bearer ${user.token}`, 'x-request-id': 'log-test-1' },
      })
    );
    expect(res.status).toBe(200);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toEqual({
      level: 'info',
      time: expect.any(String),
      msg: 'request',
      request_id: 'log-test-1',
      method: 'GET',
      route: '/api/v1/:app/me',
      status: 200,
      duration_ms: expect.any(Number),
      app: 'pickitchen',
      error: null,
      user: user.id,
    });
    expect(entry.duration_ms).toBeGreaterThan(0);
  });

  it('names the error code a request was answered with; holds neither raw path nor Authorization value', async () => {
    const user = await createUser();
    const orderId = randomUUID();
    const { res, lines } = await logLines(() =>
      api.request(`/pickitchen/order/${orderId}`, { headers: { authorization: `Bearer ${user.token}` } })
    );
    expect(res.status).toBe(404);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      msg: 'request',
      route: '/api/v1/pickitchen/order/:id',
      status: 404,
      error: 'NOT_FOUND',
      app: 'pickitchen',
    });
    expect(lines[0]).not.toContain(orderId);
    expect(lines[0]).not.toContain(user.token.split('.')[2]);
    expect(lines[0].toLowerCase()).not.toContain('bearer');
  });

  it('logs an uncaught failure with its stack but answers 500 without internals', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const res = await failing.request('/boom');
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error.code).toBe('INTERNAL_ERROR');
    expect(JSON.stringify(body)).not.toContain('secret internal detail');
    expect(errors.join('\n')).toContain('secret internal detail');
  });
});
