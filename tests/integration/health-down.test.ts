import { describe, expect, it } from 'vitest';
import { inProcessApi } from '../helpers/in-process.ts';

describe('health when the database is down', () => {
  // Port 9 (discard) on loopback: nothing listens, connections are refused at once.
  const api = inProcessApi({ SUPABASE_DB_URL: 'postgresql://postgres:postgres@127.0.0.1:9/postgres' });

  it('answers 503 in the envelope without leaking connection details', async () => {
    const res = await api.request('/health');
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
    expect(JSON.stringify(body)).not.toContain('ECONNREFUSED');
  });
});
