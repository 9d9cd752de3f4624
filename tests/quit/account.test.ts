// DELETE /quit/users/account: the caller's Quit Journey rows go now; other apps' data and the points ledger stay, the
// answer says whole-account deletion is a later issue, and a user with TOTP must have verified a code (aal2).
import { describe, expect, it } from 'vitest';
import { call, envelope } from '../helpers/http.ts';
import { accessTokenOf, enrolledUser, signIn, stepUp } from '../helpers/mfa.ts';
import { quit, shanghaiAt, shanghaiDate } from '../helpers/quit.ts';
import { createUser } from '../helpers/users.ts';

describe('quit account data deletion', () => {
  it("deletes this app's rows; other apps' devices and the ledger stay; the answer names the later issue", async () => {
    const user = await createUser();
    const api = quit(user.token);
    await api.put('/users/profile', { quit_at: shanghaiAt(-2, '08:00'), cigarettes_per_day: 10 });
    await api.put('/users/settings', { reminder_time: '21:00' });
    await api.post('/checkins', { checkin_date: shanghaiDate(-1) });
    await api.post('/smoking-records', { smoked_at: shanghaiAt(-1, '12:00'), cigarettes_smoked: 1 });
    const coachDevice = await call('POST', '/coach/devices', {
      token: user.token,
      json: { installation_id: `coach-${crypto.randomUUID()}`, platform: 'ios' },
    });
    expect(coachDevice.status).toBe(201);
    const balance = (await api.get('/wallet')).body;
    expect(balance.balances.length).toBeGreaterThan(0);
    const ledger = (await api.get('/wallet/transactions')).body.items;
    expect(ledger.length).toBeGreaterThan(0);

    const res = await api.del('/users/account');
    expect(res.status).toBe(200);
    expect(res.body.deleted).toMatchObject({ profiles: 1, settings: 1, checkins: 1, smoking_records: 1 });
    expect(res.body.note).toMatch(/whole account.*later issue/i);

    expect((await api.get('/users/profile')).status).toBe(404);
    expect((await api.get('/checkins')).body.items).toEqual([]);
    expect((await api.get('/smoking-records')).body.items).toEqual([]);
    expect((await api.get('/notifications')).body.items).toEqual([]);
    expect((await api.get('/users/settings')).body).toMatchObject({ reminder_time: '09:00', version: null });
    const devices = (await call('GET', '/coach/devices', { token: user.token })).body.items;
    expect(devices.map((d: { id: string }) => d.id)).toEqual([coachDevice.body.id]);
    expect((await api.get('/wallet')).body).toEqual(balance);
    expect((await api.get('/wallet/transactions')).body.items).toEqual(ledger);
  });

  it('a user with TOTP is refused at aal1 (403 AAL2_REQUIRED), served once the session verified a code', async () => {
    const { email, factor } = await enrolledUser();
    const session = await signIn(email);
    const aal1 = quit(await accessTokenOf(session));
    await aal1.put('/users/profile', { quit_at: shanghaiAt(-2, '08:00'), cigarettes_per_day: 10 });
    const refused = await aal1.del('/users/account');
    expect(refused.status).toBe(403);
    expect(envelope(refused).code).toBe('AAL2_REQUIRED');
    expect((await aal1.get('/users/profile')).status).toBe(200);
    await stepUp(session, factor);
    const aal2 = quit(await accessTokenOf(session));
    expect((await aal2.del('/users/account')).body.deleted).toMatchObject({ profiles: 1 });
    expect((await aal2.get('/users/profile')).status).toBe(404);
  });
});
