// npm test: everything, against a throwaway stack of its own (separate cluster and ports, so it runs beside
// `npm start`). Any part that cannot start or run fails the whole run; nothing is skipped.
import { spawn } from 'node:child_process';
import postgres from 'postgres';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliDbUrl, supabaseCli } from './stack/database.ts';
import { DENO, denoVersion } from './stack/deno.ts';
import { checkDenoStyle } from './stack/deno-style.ts';
import { freePort } from './stack/ports.ts';
import { LOCAL_DIR, readProjectConfig, ROOT } from './stack/project.ts';
import { type Stack, startStack } from './stack/stack.ts';
import { generateTypes, TYPES_FILE } from './stack/types.ts';
import { startFakeAliyunSms } from '../tests/fakes/aliyun-sms.ts';
import { startFakeWechat } from '../tests/fakes/wechat.ts';
import { createTestAppleCa } from '../tests/fakes/apple.ts';
import { startFakeAppleOcsp } from '../tests/fakes/apple-ocsp.ts';
import { startFakeGoogle } from '../tests/fakes/google.ts';
import { startFakeDashScope } from '../tests/fakes/dashscope.ts';
import { FAKE_GOOGLE_CLIENT_IDS, FAKE_OAUTH_SECRETS, startFakeOidcIssuers } from '../tests/fakes/oidc-issuers.ts';
import process from 'node:process';
import { Buffer } from 'node:buffer';

// `npm test -- <vitest filters>` is the quick loop while working on one area: the stack, typecheck and the
// matching vitest files only. A plain `npm test` (what CI runs) is everything.
const filters = process.argv.slice(2);
const partial = filters.length > 0;

type Step = { name: string; ok: boolean; seconds: number; note?: string };
const steps: Step[] = [];

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', (err) => {
      console.error(`could not run ${command}: ${err.message}`);
      resolve(1);
    });
  });
}

async function step(name: string, fn: () => Promise<void | string> | void | string): Promise<boolean> {
  const started = Date.now();
  console.log(`\n=== ${name}`);
  try {
    const note = await fn();
    steps.push({ name, ok: true, seconds: (Date.now() - started) / 1000, note: note || undefined });
    return true;
  } catch (err) {
    const note = err instanceof Error ? err.message : String(err);
    console.error(note);
    steps.push({ name, ok: false, seconds: (Date.now() - started) / 1000, note: note.split('\n')[0] });
    return false;
  }
}

const exitOk = (label: string) => (code: number) => {
  if (code !== 0) throw new Error(`${label} exited with code ${code}`);
};

const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);

// Type checks need no database: run them while the stack starts.
const typecheck = step('typecheck (tsc + deno check)', async () => {
  exitOk('tsc')(await run(bin('tsc'), ['-p', 'tsconfig.json']));
  exitOk('deno check')(
    // Every function config.toml deploys, by its entrypoint, and the gateway that serves them locally.
    await run(DENO, [
      'check',
      ...Object.values(readProjectConfig().functions).map((f) => f.entrypoint),
      'scripts/gateway/main.ts',
    ]),
  );
  return denoVersion();
});
// Nor do formatting and lint (deno.json's fmt and lint); line length is a unit test (tests/unit/line-length.test.ts).
const style = step('deno fmt --check + deno lint', checkDenoStyle);

// The providers we cannot reach, played by local fakes that speak their wire formats: the stack runs the
// real Aliyun SDK and the real code2session request against them.
const aliyunCredentials = { accessKeyId: 'LTAI-test-key', accessKeySecret: 'test-secret-0123456789' };
const aliyun = await startFakeAliyunSms(aliyunCredentials);
const wechatPrograms = {
  diary: { app_id: 'wx-diary-test', app_secret: 'diary-secret' },
  companion: { app_id: 'wx-companion-test', app_secret: 'companion-secret' },
};
const wechat = await startFakeWechat(wechatPrograms);
const google = await startFakeGoogle();
const dashscope = await startFakeDashScope();
// Sign in with Apple and Google: their discovery documents and keys, made for this run.
const oidcIssuers = await startFakeOidcIssuers();
const PUBSUB_AUDIENCE = 'https://houtai.test/functions/v1/hooks/google';
const PUBSUB_SERVICE_ACCOUNT = 'pubsub-push@houtai-test.iam.gserviceaccount.com';

const REVENUECAT_AUTH = 'Bearer rc-test-webhook-secret-0123456789';
// Apple's role is played by a CA of our own: the stack trusts its root, the tests sign with its leaf, and its
// certificates name a stand-in for Apple's OCSP responders, so the functions make Apple's online checks as deployed.
// A second trusted chain's leaf is reported revoked: what a signature by it must meet.
const appleOcsp = await startFakeAppleOcsp();
const appleCa = await createTestAppleCa('Houtai Test', { ocsp: appleOcsp });
const revokedAppleCa = await createTestAppleCa('Houtai Revoked', { ocsp: appleOcsp });
appleOcsp.answer(revokedAppleCa.chain.leaf, revokedAppleCa.chain.intermediate, 'revoked');
const APPLE_APPS = {
  pickitchen: { bundle_id: 'com.houtai.pickitchen', environment: 'Sandbox' },
  companion: { bundle_id: 'com.houtai.companion', environment: 'Sandbox' },
};

let stack: Stack | undefined;
const stackReady = step('start throwaway stack', async () => {
  stack = await startStack({
    dir: join(LOCAL_DIR, `test-${process.pid}`),
    apiPort: await freePort(),
    dbPort: await freePort(),
    throwaway: true,
    demo: false,
    gatewayOutput: 'file',
    env: {
      // Integration tests send many requests from one address; the limiter itself is tested with small buckets.
      RATE_LIMIT_READ_USER: '100000/60',
      RATE_LIMIT_READ_IP: '100000/60',
      RATE_LIMIT_WRITE_USER: '100000/60',
      RATE_LIMIT_WRITE_IP: '100000/60',
      RATE_LIMIT_AUTH_IP: '100000/60',
      RATE_LIMIT_HOOKS_IP: '100000/60',
      SMS_LIMIT_IP: '100000/60',
      // Test clients stand for apps behind Supabase's edge proxy: the address each one sends in X-Forwarded-For is
      // what that proxy would have appended, and the gateway appends one more. Functions and Auth read it alike.
      TRUSTED_PROXY_HOPS: '2',
      // Auth's own limits stay as configured (tests give each client its own address), except the global SMS cap.
      AUTH_RATE_LIMIT_SMS_SENT: '100000',
      AUTH_RATE_LIMIT_EMAIL_SENT: '100000',
      AUTH_RATE_LIMIT_SIGN_IN_PER_IDENTIFIER: '5',
      ALIYUN_ACCESS_KEY_ID: aliyunCredentials.accessKeyId,
      ALIYUN_ACCESS_KEY_SECRET: aliyunCredentials.accessKeySecret,
      ALIYUN_SMS_SIGN_NAME: 'Houtai',
      ALIYUN_SMS_TEMPLATE_CODE: 'SMS_000001',
      ALIYUN_SMS_ENDPOINT: aliyun.endpoint,
      ALIYUN_SMS_PROTOCOL: 'http',
      WECHAT_API_BASE: wechat.url,
      WECHAT_MINI_PROGRAMS: JSON.stringify(wechatPrograms),
      REVENUECAT_WEBHOOK_AUTH: REVENUECAT_AUTH,
      APPLE_ROOT_CERTIFICATES: [appleCa, revokedAppleCa].map((ca) => Buffer.from(ca.rootDer).toString('base64')).join(
        ',',
      ),
      APPLE_APPS: JSON.stringify(APPLE_APPS),
      APPLE_ONLINE_CHECKS: 'true',
      GOOGLE_PLAY_APPS: JSON.stringify({
        pickitchen: { package_name: 'com.houtai.pickitchen' },
        companion: { package_name: 'com.houtai.companion' },
      }),
      GOOGLE_SERVICE_ACCOUNT_JSON: google.serviceAccountJson,
      GOOGLE_PLAY_API_BASE: google.url,
      GOOGLE_PUBSUB_AUDIENCE: PUBSUB_AUDIENCE,
      GOOGLE_PUBSUB_SERVICE_ACCOUNT: PUBSUB_SERVICE_ACCOUNT,
      GOOGLE_OIDC_JWKS_URL: `${google.url}/oauth2/v3/certs`,
      DASHSCOPE_API_KEY: dashscope.apiKey,
      DASHSCOPE_BASE_URL: dashscope.baseUrl,
      // The deployed worker polls video tasks every second (15 in production): tests drive one to its end in seconds.
      EMOJI_POLL_INTERVAL_SECONDS: '1',
      AUTH_OIDC_DISCOVERY_URLS: JSON.stringify(oidcIssuers.discoveryUrls),
      SUPABASE_AUTH_EXTERNAL_GOOGLE_CLIENT_ID: FAKE_GOOGLE_CLIENT_IDS.join(','),
      // OAuth redirects (signInWithOAuth): the client secrets the fake token endpoints expect.
      SUPABASE_AUTH_EXTERNAL_APPLE_SECRET: FAKE_OAUTH_SECRETS.apple,
      SUPABASE_AUTH_EXTERNAL_GOOGLE_SECRET: FAKE_OAUTH_SECRETS.google,
    },
  });
  return `${stack.apiUrl}, ${stack.dbUrl}`;
});

const started = await stackReady;
await typecheck;
await style;

const shutdown = async () => {
  await stack?.stop();
  await aliyun.close();
  await wechat.close();
  await google.close();
  await dashscope.close();
  await appleOcsp.close();
  await oidcIssuers.close();
};
process.on('SIGINT', () => void shutdown().then(() => process.exit(130)));
process.on('SIGTERM', () => void shutdown().then(() => process.exit(143)));

if (started && stack && !partial) {
  const s = stack;
  await step('generated database types are current', () => {
    const fresh = generateTypes(s.dbUrl);
    if (fresh !== readFileSync(TYPES_FILE, 'utf8')) {
      throw new Error(`${TYPES_FILE} is stale: run \`npm run gen:types\` and commit the result.`);
    }
  });
  await step('supabase db lint (plpgsql_check)', () => {
    const { stdout, stderr } = supabaseCli([
      'db',
      'lint',
      `--remote=${cliDbUrl(s.dbUrl)}`,
      '--level',
      'warning',
      '--fail-on',
      'warning',
    ], { quiet: true });
    process.stdout.write(stdout);
    if (/warning|error/i.test(stdout.replace(/No schema errors found/, ''))) {
      throw new Error(`db lint reported problems:\n${stdout}${stderr}`);
    }
  });
  await step('supabase db advisors (security + performance)', () => {
    // INFO-level findings (e.g. "unused index" on a database that has served no traffic) are not failures.
    const { stdout, stderr } = supabaseCli([
      'db',
      'advisors',
      `--remote=${cliDbUrl(s.dbUrl)}`,
      '--type',
      'all',
      '--level',
      'warn',
      '--fail-on',
      'warn',
    ], { quiet: true });
    process.stdout.write(stdout);
    if (!/No issues found/.test(stdout + stderr)) throw new Error(`db advisors reported issues:\n${stdout}${stderr}`);
  });
  await step('pgTAP (pg_prove supabase/tests/database)', async () => {
    const url = new URL(s.dbUrl);
    exitOk('pg_prove')(
      await run('pg_prove', [
        '--host',
        url.hostname,
        '--port',
        url.port,
        '--username',
        'postgres',
        '--dbname',
        'postgres',
        '--ext',
        '.sql',
        '--recurse',
        'supabase/tests/database',
      ]),
    );
  });
}
if (started && stack) {
  const s = stack;
  await step(partial ? `vitest ${filters.join(' ')}` : 'vitest (unit, policies, integration)', async () => {
    exitOk('vitest')(
      await run(bin('vitest'), ['run', ...filters], {
        HOUTAI_TEST_API_URL: s.apiUrl,
        HOUTAI_TEST_DB_URL: s.dbUrl,
        HOUTAI_TEST_JWT_SECRET: s.keys.jwtSecret,
        HOUTAI_TEST_SIGNING_KEY: JSON.stringify(s.keys.signingKey),
        HOUTAI_TEST_ANON_KEY: s.keys.anonKey,
        HOUTAI_TEST_SERVICE_ROLE_KEY: s.keys.serviceRoleKey,
        HOUTAI_TEST_PUBLISHABLE_KEY: s.keys.publishableKey,
        HOUTAI_TEST_SECRET_KEY: s.keys.secretKey,
        HOUTAI_TEST_SEND_SMS_HOOK_SECRET: s.keys.sendSmsHookSecret,
        HOUTAI_TEST_FAKE_ALIYUN_URL: aliyun.url,
        HOUTAI_TEST_ALIYUN_CREDENTIALS: JSON.stringify(aliyunCredentials),
        HOUTAI_TEST_FAKE_WECHAT_URL: wechat.url,
        HOUTAI_TEST_WECHAT_PROGRAMS: JSON.stringify(wechatPrograms),
        HOUTAI_TEST_REVENUECAT_AUTH: REVENUECAT_AUTH,
        HOUTAI_TEST_APPLE_CA: await appleCa.exported(),
        HOUTAI_TEST_APPLE_CA_REVOKED: await revokedAppleCa.exported(),
        HOUTAI_TEST_FAKE_GOOGLE_URL: google.url,
        HOUTAI_TEST_PUBSUB: JSON.stringify({ audience: PUBSUB_AUDIENCE, email: PUBSUB_SERVICE_ACCOUNT }),
        HOUTAI_TEST_DASHSCOPE: JSON.stringify({ url: dashscope.baseUrl, apiKey: dashscope.apiKey }),
        HOUTAI_TEST_MAIL_URL: s.mailUrl,
        HOUTAI_TEST_ID_TOKEN_ISSUERS: oidcIssuers.exported,
      }),
    );
  });
}
if (started && stack) {
  const s = stack;
  // After everything else has moved money around: the ledger must still add up, after a quick loop's files too.
  await step(partial ? 'ledger invariants after these tests' : 'ledger invariants after the whole suite', async () => {
    const sql = postgres(s.dbUrl, { max: 1, onnotice: () => {} });
    try {
      const violations = await sql`select * from internal.ledger_violations()`;
      const [{ accounts, entries }] = await sql`
        select (select count(*) from public.wallet_accounts)::int as accounts,
               (select count(*) from public.wallet_entries)::int as entries`;
      if (violations.length > 0) throw new Error(`ledger violations:\n${JSON.stringify(violations, null, 2)}`);
      return `${accounts} accounts, ${entries} entries, no violations`;
    } finally {
      await sql.end();
    }
  });
}

await step('stop throwaway stack', shutdown);

console.log('\n=== summary');
for (const s of steps) {
  console.log(`${s.ok ? 'PASS' : 'FAIL'}  ${s.name}  (${s.seconds.toFixed(1)} s)${s.note ? `  ${s.note}` : ''}`);
}
const failed = steps.filter((s) => !s.ok);
if (failed.length > 0) {
  console.error(`\n${failed.length} step(s) failed.`);
  process.exit(1);
}
console.log(
  partial
    ? `\nPartial run (${filters.join(' ')}) passed; run plain \`npm test\` for everything.`
    : '\nAll checks passed.',
);
