import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { freshIp } from '../helpers/addresses.ts';
import { call, envelope } from '../helpers/http.ts';
import { inProcessApi } from '../helpers/in-process.ts';
import { createUser } from '../helpers/users.ts';
import { stackEnv } from '../helpers/stack.ts';

describe('system routes', () => {
  it('GET /health reports database latency, migration and queue depth', async () => {
    const res = await call('GET', '/health');
    expect(res.status).toBe(200);
    const [{ version }] = await adminSql()`select max(version) as version from supabase_migrations.schema_migrations`;
    expect(res.body).toMatchObject({
      status: 'ok',
      database: { migration: version },
      queue: { depth: expect.any(Number), dead: expect.any(Number) },
    });
    expect(res.body.database.latency_ms).toBeGreaterThan(0);
    expect(res.body.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('GET /openapi.json is a valid OpenAPI 3.1 document covering every route', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const result = await new Validator().validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/health',
        '/api/v1/metrics',
        '/api/v1/openapi.json',
        '/api/v1/docs',
        '/api/v1/{app}/me',
        '/api/v1/{app}/devices',
        '/api/v1/{app}/devices/{id}',
      ]),
    );
    expect(res.body.servers[0].url).toBe(`${stackEnv().apiUrl}/functions/v1`);
  });

  it('GET /docs renders the spec', async () => {
    const res = await call('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.body).toContain('openapi.json');
  });

  it('GET /docs needs no network beyond the stack: the stack serves every script and style it references', async () => {
    const page = `${stackEnv().apiBase}/docs`;
    const html = (await call<string>('GET', '/docs')).body;
    // Everything the browser would fetch: script and link sources, and CSS url()/@import in inline styles.
    const refs = [
      ...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+)["']/gi),
      ...html.matchAll(/(?:url\(|@import\s+)["']?([^"')\s;]+)/gi),
    ].map((m) => new URL(m[1], page));
    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc=/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const url of refs) {
      expect(url.origin, `${url} is not on the stack`).toBe(new URL(stackEnv().apiUrl).origin);
      const res = await fetch(url, { headers: { 'x-forwarded-for': freshIp() } });
      expect(res.status, String(url)).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/javascript|css/);
      // The real Scalar bundle, not a placeholder: the page calls its createApiReference.
      if (url.pathname.endsWith('.js')) expect(await res.text()).toContain('createApiReference');
    }
    expect(html).toContain('Scalar.createApiReference');
  });

  it('GET /metrics counts requests by route pattern and status', async () => {
    await call('GET', '/health');
    const res = await call('GET', '/metrics', { token: stackEnv().serviceRoleKey });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/health",status="200"\} \d+/);
    expect(res.body).toMatch(
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/v1\/health",status="200"\}/,
    );
  });

  it('GET /metrics without a token is 401, with a user or anon token 403, and shows no metrics', async () => {
    const user = await createUser();
    const none = await call('GET', '/metrics');
    expect(none.status).toBe(401);
    expect(envelope(none).code).toBe('UNAUTHORIZED');
    for (const token of [user.token, stackEnv().anonKey]) {
      const res = await call('GET', '/metrics', { token });
      expect(res.status).toBe(403);
      expect(envelope(res).code).toBe('FORBIDDEN');
      expect(JSON.stringify(res.body)).not.toContain('http_requests_total');
    }
  });

  it('GET /metrics accepts the scraper token METRICS_TOKEN, and only that exact token', async () => {
    const metricsToken = 'scraper-token-0123456789abcdef-0123456789';
    const api = inProcessApi({ METRICS_TOKEN: metricsToken });
    const ok = await api.request('/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('http_requests_total');
    const wrong = await api.request('/metrics', { headers: { authorization: `Bearer ${metricsToken}x` } });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error.code).toBe('INVALID_TOKEN');
  });

  it('answers CORS preflights for browser and mini-program clients', async () => {
    const res = await fetch(`${stackEnv().apiBase}/coach/me`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://example.com',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
  });

  it('the gateway routes only known functions and enforces verify_jwt where config.toml sets it', async () => {
    const base = `${stackEnv().apiUrl}/functions/v1`;
    expect((await fetch(`${base}/nope/x`)).status).toBe(404);
    expect((await fetch(`${base}/hooks/health`)).status).toBe(200);
    expect((await fetch(`${base}/worker/health`)).status).toBe(401);
    const ok = await fetch(`${base}/worker/health`, {
      headers: { authorization: `Bearer ${stackEnv().serviceRoleKey}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok', function: 'worker' });
  });
});
