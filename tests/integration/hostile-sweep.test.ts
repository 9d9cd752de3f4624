// The hostile-input sweep: every operation of the published API document, and of the hooks and worker functions,
// sent wrong content types, malformed JSON, NUL characters, out-of-range numbers, deep nesting, oversized strings and
// arrays, in the body, the query and the path. An error the client caused is a 4xx with a reason in the standard
// envelope; a 5xx would be a bug of ours.
import { appendFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { createHooksApp } from '../../functions/hooks/app.ts';
import { createWorkerApp } from '../../functions/worker/app.ts';
import { depsFromEnv } from '../../functions/_shared/http/deps.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { APP_IDS, type AppId } from '../../functions/_shared/apps.ts';
import {
  type HostileRequest,
  hostileRequests,
  type Operation,
  operations,
  sample,
} from '../helpers/hostile-requests.ts';
import type { JsonSchema, OpenApiDocument } from '../helpers/openapi-document.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';
import process from 'node:process';

const env = stackEnv();
const functionsUrl = `${env.apiUrl}/functions/v1`;

// The hooks and worker functions publish no document; their routes are the same zod-openapi routes, so build theirs.
const deps = depsFromEnv(
  loadConfig({
    SUPABASE_URL: env.apiUrl,
    SUPABASE_DB_URL: env.dbUrl,
    JWT_SECRET: env.jwtSecret,
    LOG_REQUESTS: 'false',
  }),
);
afterAll(async () => {
  await deps.rateLimiter.close();
  await deps.db.end();
});
const info = { openapi: '3.1.0', info: { title: 'sweep', version: '0' } };
const documents: Record<'api' | 'hooks' | 'worker', OpenApiDocument> = {
  api: await (await fetch(`${functionsUrl}/api/v1/openapi.json`)).json(),
  hooks: createHooksApp(deps).getOpenAPI31Document(info) as OpenApiDocument,
  worker: createWorkerApp(deps).getOpenAPI31Document(info) as OpenApiDocument,
};

const user = await createUser();
const secret = env.sendSmsHookSecret.replace(/^v1,/, '');

/** Valid path parameters, so that each spoiled request differs from a working one in one place only. */
function fill(doc: OpenApiDocument, app: AppId) {
  return (name: string, schema: JsonSchema) => {
    if (name === 'app') return app;
    const value = sample(doc, schema);
    return typeof value === 'string' ? value : String(value ?? crypto.randomUUID());
  };
}

/** Each function's own credentials, so hostile bodies get past authentication to the code that parses them. */
function credentials(fn: keyof typeof documents, op: Operation, req: HostileRequest): Record<string, string> {
  if (fn === 'api') return { authorization: `Bearer ${user.token}` };
  if (fn === 'worker') return { authorization: `Bearer ${env.serviceRoleKey}` };
  if (op.path.endsWith('/revenuecat')) return { authorization: env.revenuecatAuth };
  if (op.path.endsWith('/send-sms') && typeof req.body === 'string') {
    const id = `msg_${crypto.randomUUID()}`;
    const at = new Date();
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, req.body),
    };
  }
  return {};
}

interface Finding {
  label: string;
  status: number;
  body: string;
}

async function send(fn: keyof typeof documents, op: Operation, req: HostileRequest): Promise<Finding | undefined> {
  const base = fn === 'api' ? functionsUrl : `${functionsUrl}/${fn}`;
  const res = await fetch(`${base}${req.url.replace(/^\/(hooks|worker)/, '')}`, {
    method: req.method,
    headers: { ...req.headers, ...credentials(fn, op, req), 'x-forwarded-for': '198.51.100.77' },
    body: req.body,
  });
  const text = await res.text();
  if (res.status >= 500) return { label: req.label, status: res.status, body: text.slice(0, 300) };
  if (res.status >= 400) {
    let b: { error?: { code?: unknown; message?: unknown; details?: unknown }; request_id?: unknown } | null;
    try {
      b = JSON.parse(text);
    } catch {
      return { label: req.label, status: res.status, body: `not JSON: ${text.slice(0, 200)}` };
    }
    const ok = b?.error && typeof b.error.code === 'string' && typeof b.error.message === 'string' &&
      Array.isArray(b.error.details) && typeof b.request_id === 'string';
    if (!ok) return { label: req.label, status: res.status, body: `not the error envelope: ${text.slice(0, 200)}` };
  }
  return undefined;
}

async function sweep(
  fn: keyof typeof documents,
  op: Operation,
  app: AppId,
): Promise<{ sent: number; findings: Finding[] }> {
  const requests = hostileRequests(documents[fn], op, fill(documents[fn], app));
  const findings: Finding[] = [];
  // A few at a time: enough to be quick, few enough that the stack's own limits are not what answers.
  for (let i = 0; i < requests.length; i += 6) {
    const batch = await Promise.all(requests.slice(i, i + 6).map((r) => send(fn, op, r)));
    findings.push(...batch.filter((f): f is Finding => f !== undefined));
  }
  return { sent: requests.length, findings };
}

for (const fn of Object.keys(documents) as Array<keyof typeof documents>) {
  describe(`hostile-input sweep: ${fn}`, () => {
    const ops = operations(documents[fn]);
    it('covers every operation of the document', () => {
      expect(ops.length).toBeGreaterThan(fn === 'api' ? 40 : 1);
    });
    // Routes for any app run once per app: each keeps other currencies, config and tables.
    const runs = ops.flatMap((
      op,
    ) => (op.path.includes('{app}') ? APP_IDS.map((app) => ({ op, app })) : [{ op, app: APP_IDS[0] }]));
    for (const { op, app } of runs) {
      const title = op.path.includes('{app}') ? `${op.method} ${op.path} (${app})` : `${op.method} ${op.path}`;
      it(`${title} answers every hostile request with a 4xx in the envelope, never a 5xx`, async () => {
        const { sent, findings } = await sweep(fn, op, app);
        // SWEEP_REPORT=<file>: every finding in full, one per line (the assertion's diff shortens long lists).
        if (process.env.SWEEP_REPORT) {
          appendFileSync(
            process.env.SWEEP_REPORT,
            findings.map((f) => `${f.status} ${f.label} → ${f.body}\n`).join(''),
          );
        }
        expect(sent).toBeGreaterThan(0);
        expect(findings.map((f) => `${f.status} ${f.label} → ${f.body}`)).toEqual([]);
      });
    }
  });
}
