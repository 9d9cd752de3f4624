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

  it('writes one JSON line per request with id, app, user, route, status and duration', async () => {
    const user = await createUser();
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const res = await api.request('/pickitchen/me', { headers: { authorization: `Bearer ${user.token}`, 'x-request-id': 'log-test-1' } });
    expect(res.status).toBe(200);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({
      request_id: 'log-test-1',
      method: 'GET',
      route: '/api/v1/:app/me',
      path: '/api/v1/pickitchen/me',
      status: 200,
      app: 'pickitchen',
      user: user.id,
    });
    expect(entry.duration_ms).toBeGreaterThan(0);
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
