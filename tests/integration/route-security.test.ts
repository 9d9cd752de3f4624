// One sweep over every route the OpenAPI document marks as needing a bearer token: without a user's valid
// token, none of them does anything.
import { describe, expect, it } from 'vitest';
import { call, envelope } from '../helpers/http.ts';
import { stackEnv } from '../helpers/stack.ts';
import { createUser, signAccessToken, userClaims } from '../helpers/users.ts';

interface Operation {
  method: string;
  path: string;
}

async function protectedOperations(): Promise<Operation[]> {
  const spec = (await call('GET', '/openapi.json')).body as any;
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (op.security?.some((s: any) => 'bearerAuth' in s)) ops.push({ method: method.toUpperCase(), path });
    }
  }
  return ops;
}

const concrete = (path: string) =>
  path.replace(/^\/api\/v1/, '').replace('{app}', 'coach').replace(/\{[a-z_]+\}/g, '00000000-0000-4000-8000-000000000000');

describe('every protected route', async () => {
  const ops = await protectedOperations();

  it('exists (the sweep is not empty)', () => {
    expect(ops.length).toBeGreaterThanOrEqual(4);
  });

  it.each(ops)('$method $path refuses missing, anon-key, forged and expired tokens', async ({ method, path }) => {
    const user = await createUser();
    const claims = userClaims(user.id, user.email);
    const cases: Array<[string, string | undefined, string]> = [
      ['no token', undefined, 'UNAUTHORIZED'],
      ['anon key', stackEnv().anonKey, 'UNAUTHORIZED'],
      ['service-role key', stackEnv().serviceRoleKey, 'UNAUTHORIZED'],
      ['forged', await signAccessToken(claims, { secret: 'not-the-secret-but-long-enough' }), 'INVALID_TOKEN'],
      ['expired', await signAccessToken(claims, { expiresInSeconds: -1 }), 'TOKEN_EXPIRED'],
    ];
    for (const [label, token, code] of cases) {
      const res = await call(method, concrete(path), { token, json: method === 'GET' || method === 'DELETE' ? undefined : {} });
      expect(res.status, `${label}`).toBe(401);
      expect(envelope(res).code, `${label}`).toBe(code);
    }
  });
});
