// The new API keys, which are not JWTs: `sb_secret_…` is the service role wherever the legacy service_role key is
// (the worker, /metrics, the pg_net kick, supabase-js on the server), `sb_publishable_…` is what an app ships and
// never more than anon. The legacy keys keep working beside them.
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { freshIp } from '../helpers/addresses.ts';
import { call, envelope } from '../helpers/http.ts';
import { stackEnv } from '../helpers/stack.ts';
import { Buffer } from 'node:buffer';

const functionsUrl = () => `${stackEnv().apiUrl}/functions/v1`;
// A run limited to a job that does not exist: it claims nothing of the jobs other test files are running.
const NO_JOBS = JSON.stringify({ job_ids: [Number.MAX_SAFE_INTEGER], budget_ms: 100 });
const STRANGER_SECRET = 'sb_secret_AAAAAAAAAAAAAAAAAAAAAA_AAAAAAAA';

const runWorker = (headers: Record<string, string>) =>
  fetch(`${functionsUrl()}/worker/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: NO_JOBS,
  });

const metrics = (headers: Record<string, string>) => call('GET', '/metrics', { headers });

function client(key: string) {
  return createClient(stackEnv().apiUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
    global: { headers: { 'x-forwarded-for': freshIp() } },
  });
}

describe('sb_secret_ and sb_publishable_ keys for service routes', () => {
  it('the worker and /metrics accept sb_secret_ on apikey or as bearer, and the legacy service_role key', async () => {
    const { secretKey, serviceRoleKey } = stackEnv();
    const callers: Record<string, string>[] = [{ apikey: secretKey }, { authorization: `Bearer ${secretKey}` }, {
      authorization: `Bearer ${serviceRoleKey}`,
    }];
    for (const headers of callers) {
      const run = await runWorker(headers);
      expect(run.status, JSON.stringify(headers)).toBe(200);
      expect(await run.json()).toMatchObject({ claimed: 0 });
      const scrape = await metrics(headers);
      expect(scrape.status, JSON.stringify(headers)).toBe(200);
      expect(scrape.body).toContain('http_requests_total');
    }
  });

  it("the worker and /metrics refuse an sb_publishable_ key, and an sb_secret_ key not the project's", async () => {
    const { publishableKey } = stackEnv();
    // The gateway's verify_jwt lets the project's publishable key through (as Supabase's does); the worker does not.
    const asBearer = await runWorker({ apikey: publishableKey, authorization: `Bearer ${publishableKey}` });
    expect(asBearer.status).toBe(403);
    expect((await asBearer.json()).error.code).toBe('FORBIDDEN');
    expect((await runWorker({ apikey: publishableKey })).status).toBe(401);
    // A key that is not the project's does not pass the gateway.
    expect((await runWorker({ apikey: STRANGER_SECRET })).status).toBe(401);

    const refused: Record<string, string>[] = [{ apikey: publishableKey, authorization: `Bearer ${publishableKey}` }, {
      authorization: `Bearer ${STRANGER_SECRET}`,
    }];
    for (const headers of refused) {
      const scrape = await metrics(headers);
      expect(scrape.status, JSON.stringify(headers)).toBe(403);
      expect(envelope(scrape).code).toBe('FORBIDDEN');
      expect(JSON.stringify(scrape.body)).not.toContain('http_requests_total');
    }
    expect((await metrics({ apikey: publishableKey })).status).toBe(401);
  });

  it("the worker accepts pg_net's kick with either key Vault holds: sb_secret_ or legacy service_role", async () => {
    const { secretKey, serviceRoleKey, publishableKey } = stackEnv();
    const headersFor = async (key: string) => {
      const [{ headers }] = await adminSql()`select internal.worker_kick_headers(${key}) as headers`;
      return headers as Record<string, string>;
    };
    // An API key goes on apikey only; a legacy JWT also as the bearer, which verify_jwt reads.
    expect(await headersFor(secretKey)).toEqual({ 'content-type': 'application/json', apikey: secretKey });
    expect(await headersFor(serviceRoleKey)).toEqual({
      'content-type': 'application/json',
      apikey: serviceRoleKey,
      authorization: `Bearer ${serviceRoleKey}`,
    });
    for (const key of [secretKey, serviceRoleKey]) expect((await runWorker(await headersFor(key))).status).toBe(200);
    // A publishable key put in Vault by mistake starts nothing.
    expect((await runWorker(await headersFor(publishableKey))).status).toBe(401);
  });
});

describe('supabase-js with the new keys', () => {
  it('works with the sb_publishable_ key: sign-up, the API with the session, storage, anonymous sign-in', async () => {
    const app = client(stackEnv().publishableKey);
    // Before anyone signs in supabase-js sends the key as the bearer too: public routes answer, user routes do not.
    const health = await app.functions.invoke('api/v1/health', { method: 'GET' });
    expect(health.error).toBeNull();
    const notSignedIn = await app.functions.invoke('api/v1/coach/me', { method: 'GET' });
    expect((notSignedIn.error as { context?: Response }).context?.status).toBe(401);
    // Anyone may list a public bucket with the publishable key, as with the anon key.
    expect((await app.storage.from('avatars').list()).error).toBeNull();

    const email = `pk-${crypto.randomUUID().slice(0, 10)}@example.com`;
    const { data, error } = await app.auth.signUp({ email, password: 'correct horse' });
    expect(error).toBeNull();
    const id = data.user!.id;
    const me = await app.functions.invoke('api/v1/coach/me', { method: 'GET' });
    expect(me.error).toBeNull();
    expect(me.data).toMatchObject({ id });
    const upload = await app.storage.from('avatars').upload(`${id}/pk.png`, Buffer.from('pk'), {
      contentType: 'image/png',
    });
    expect(upload.error).toBeNull();

    const guest = await client(stackEnv().publishableKey).auth.signInAnonymously();
    expect(guest.error).toBeNull();
    expect(guest.data.user?.is_anonymous).toBe(true);
  });

  it('works with the sb_secret_ key on the server: Auth admin and Storage as the service role', async () => {
    const server = client(stackEnv().secretKey);
    const email = `sk-${crypto.randomUUID().slice(0, 10)}@example.com`;
    const created = await server.auth.admin.createUser({ email, password: 'correct horse', email_confirm: true });
    expect(created.error).toBeNull();
    const id = created.data.user!.id;
    const upload = await server.storage.from('uploads').upload(`diary/${id}/images/by-server.jpg`, Buffer.from('sk'), {
      contentType: 'image/jpeg',
    });
    expect(upload.error).toBeNull();
    // Not a key of the project's: refused before Auth sees it.
    const stranger = await client(STRANGER_SECRET).auth.admin.listUsers();
    expect(stranger.error?.status).toBe(401);
  });
});
