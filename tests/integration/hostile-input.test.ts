// Input a client can send but no route can use: refused with a 4xx that says why, never a 500, and nothing written.
import { describe, expect, it } from 'vitest';
import { jsonProblem, MAX_JSON_DEPTH } from '../../functions/_shared/storable-json.ts';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser } from '../helpers/users.ts';

const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('wrong or missing Content-Type on a JSON route', () => {
  it('another media type → 415 UNSUPPORTED_MEDIA_TYPE in the envelope, on user, sign-in and hook routes', async () => {
    const user = await createUser();
    const cases: Array<[string, string, string | undefined]> = [
      ['POST', '/coach/records/workout', user.token],
      ['POST', '/pickitchen/auth/device', undefined],
      ['POST', '/diary/auth/wechat', undefined],
    ];
    for (const [method, path, token] of cases) {
      const res = await call(method, path, { token, rawBody: '{"x":1}', headers: { 'content-type': 'text/plain' } });
      expect({ path, status: res.status }).toEqual({ path, status: 415 });
      expect(envelope(res).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('a body with no Content-Type at all → 415, not 500', async () => {
    const user = await createUser();
    const res = await fetchRaw('POST', '/coach/records/workout', user.token, new Blob(['{"workout_type":"run"}']));
    expect(res.status).toBe(415);
    expect(envelope(res).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('NUL characters', () => {
  it('in a JSON string → 400 VALIDATION_FAILED naming the field; nothing is written', async () => {
    const user = await createUser();
    const res = await call('POST', '/coach/records/workout', {
      token: user.token,
      json: { date: '2026-11-20', workout_type: 'run\u0000', duration_minutes: 30 },
    });
    expect(res.status).toBe(400);
    const err = envelope(res);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual([
      expect.objectContaining({ field: 'workout_type', code: 'nul_character', in: 'json' }),
    ]);
    const [{ n }] = await adminSql()`select count(*)::int as n from coach.workouts where user_id = ${user.id}`;
    expect(n).toBe(0);
  });

  it('deep in a sync push row → 400 naming the path to it', async () => {
    const user = await createUser();
    const res = await call('POST', '/coach/sync/push', {
      token: user.token,
      json: {
        device_id: 'phone-1',
        mutations: [{
          mutation_id: crypto.randomUUID(),
          table: 'public.sync_samples',
          op: 'upsert',
          row: { id: crypto.randomUUID(), title: 'a\u0000b' },
          base_version: null,
        }],
      },
    });
    expect(res.status).toBe(400);
    expect(envelope(res).details[0]).toMatchObject({ field: 'mutations.0.row.title', code: 'nul_character' });
  });

  it('device sign-in with a NUL in the device id → 400, and no account, session or sign-in is recorded', async () => {
    // A user agent of this request's own: other test files sign users up at the same time, so counting all users
    // could not see this request's leak.
    const userAgent = `hostile-input/${crypto.randomUUID()}`;
    const res = await call('POST', '/pickitchen/auth/device', {
      json: { device_id: `${crypto.randomUUID()}\u0000`, platform: 'ios' },
      headers: { 'user-agent': userAgent },
    });
    expect(res.status).toBe(400);
    expect(envelope(res).details[0]).toMatchObject({ field: 'device_id', code: 'nul_character' });
    const [{ audited, sessions }] = await adminSql()`
      select (select count(*)::int from internal.audit_log where user_agent = ${userAgent}) as audited,
             (select count(*)::int from auth.sessions where user_agent = ${userAgent}) as sessions`;
    expect({ audited, sessions }).toEqual({ audited: 0, sessions: 0 });
  });

  it('in a query value, inside a list cursor, or in a path segment (%00) → 400, not 500', async () => {
    const user = await createUser();
    const plain = await call('GET', `/coach/records/workout?cursor=${encodeURIComponent('abc\u0000')}`, {
      token: user.token,
    });
    expect(plain.status).toBe(400);
    expect(envelope(plain).details[0]).toMatchObject({ field: 'cursor', in: 'query', code: 'nul_character' });
    const forged = btoa(JSON.stringify({ log_date: '2026-11-20\u0000', id: crypto.randomUUID() })).replace(/=+$/, '');
    const cursor = await call('GET', `/coach/records/workout?cursor=${forged}`, { token: user.token });
    expect(cursor.status).toBe(400);
    expect(envelope(cursor).details[0]).toMatchObject({ field: 'cursor' });
    const file = await call('GET', `/pickitchen/files/uploads/pickitchen/${user.id}/x%00.jpg`, { token: user.token });
    expect(file.status).toBe(400);
    expect(envelope(file).details[0]).toMatchObject({ in: 'path', code: 'nul_character' });
  });

  it('malformed %-escapes in a path → 400, not 500', async () => {
    const user = await createUser();
    const res = await call('GET', `/pickitchen/files/uploads/%E0%A4%A`, { token: user.token });
    expect(res.status).toBe(400);
    expect(envelope(res).details[0]).toMatchObject({ in: 'path', code: 'invalid_encoding' });
  });
});

describe('values the database cannot hold', () => {
  it('an integer beyond int4 in a sync push row → that mutation is rejected, the push answers 200', async () => {
    const user = await createUser();
    const res = await call('POST', '/coach/sync/push', {
      token: user.token,
      json: {
        device_id: 'phone-1',
        mutations: [
          {
            mutation_id: crypto.randomUUID(),
            table: 'coach.workouts',
            op: 'upsert',
            row: {
              id: crypto.randomUUID(),
              log_date: '2026-11-20',
              workout_type: 'run',
              duration_minutes: 99_999_999_999,
            },
            base_version: null,
          },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toMatchObject({
      status: 'rejected',
      error: { code: 'VALIDATION_FAILED', details: [{ code: '22003' }] },
    });
  });

  it(`JSON nested deeper than ${MAX_JSON_DEPTH} levels (a 100,000-deep array in a sync row) → 400`, async () => {
    const user = await createUser();
    const row = `{"id":"${crypto.randomUUID()}","title":${deepArray(100_000)}}`;
    const mutation = `{"mutation_id":"${crypto.randomUUID()}","table":"public.sync_samples","op":"upsert",` +
      `"base_version":null,"row":${row}}`;
    const body = `{"device_id":"phone-1","mutations":[${mutation}]}`;
    const res = await call('POST', '/coach/sync/push', { token: user.token, rawBody: body });
    expect(res.status).toBe(400);
    expect(envelope(res).details[0]).toMatchObject({ code: 'too_deep', in: 'json' });
  });

  it('the depth limit is exact: a document of the limit passes the guard, one more level does not', () => {
    expect(jsonProblem(JSON.parse(deepArray(MAX_JSON_DEPTH)))).toBeUndefined();
    expect(jsonProblem(JSON.parse(deepArray(MAX_JSON_DEPTH + 1)))).toMatchObject({ code: 'too_deep' });
  });
});

async function fetchRaw(method: string, path: string, token: string, body: Blob) {
  const res = await fetch(`${stackEnv().apiBase}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
    body,
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}
