// GET/DELETE /api/v1/account/sessions: the caller's sessions and signing one out.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { anonClient, claimsOf } from '../helpers/auth.ts';

async function userWithSessions(n: number) {
  const email = `s-${crypto.randomUUID().slice(0, 10)}@example.com`;
  await anonClient().auth.signUp({ email, password: 'correct horse' });
  const sessions = [];
  for (let i = 0; i < n; i++) {
    sessions.push((await anonClient().auth.signInWithPassword({ email, password: 'correct horse' })).data.session!);
  }
  return sessions;
}

describe('account sessions', () => {
  it("lists the caller's sessions and marks the current one", async () => {
    const [a, b] = await userWithSessions(2);
    const res = await call('GET', '/account/sessions', { token: a.access_token });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(3); // the sign-up's own session, and two sign-ins
    const current = res.body.items.filter((s: { current: boolean }) => s.current);
    expect(current.map((s: { id: string }) => s.id)).toEqual([claimsOf(a.access_token).session_id]);
    expect(res.body.items.map((s: { id: string }) => s.id)).toContain(claimsOf(b.access_token).session_id);
  });

  it('signs another session out: its refresh token dies, and the revocation is audited', async () => {
    const [a, b] = await userWithSessions(2);
    const target = claimsOf(b.access_token).session_id;
    expect((await call('DELETE', `/account/sessions/${target}`, { token: a.access_token })).status).toBe(204);
    expect((await anonClient().auth.refreshSession({ refresh_token: b.refresh_token })).error?.code).toBe(
      'refresh_token_not_found',
    );
    expect((await anonClient().auth.refreshSession({ refresh_token: a.refresh_token })).error).toBeNull();
    const audit =
      await adminSql()`select action from internal.audit_log where details ->> 'session_id' = ${target} order by id`;
    expect(audit.map((r) => r.action)).toEqual(['sign_in', 'session_revoked']);
  });

  it("cannot touch another user's sessions (404)", async () => {
    const [mine] = await userWithSessions(1);
    const [theirs] = await userWithSessions(1);
    const res = await call('DELETE', `/account/sessions/${claimsOf(theirs.access_token).session_id}`, {
      token: mine.access_token,
    });
    expect(res.status).toBe(404);
    expect(envelope(res).code).toBe('NOT_FOUND');
    expect((await anonClient().auth.refreshSession({ refresh_token: theirs.refresh_token })).error).toBeNull();
  });
});
