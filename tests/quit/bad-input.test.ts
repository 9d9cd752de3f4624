// Quit Journey refuses bad input with a clear 4xx in the standard envelope, and keeps users apart.
import { beforeAll, describe, expect, it } from 'vitest';
import { envelope } from '../helpers/http.ts';
import { quit, shanghaiAt, shanghaiDate } from '../helpers/quit.ts';
import { createUser, type TestUser } from '../helpers/users.ts';

let owner: TestUser;
let api: ReturnType<typeof quit>;
beforeAll(async () => {
  owner = await createUser();
  api = quit(owner.token);
  await api.put('/users/profile', { quit_at: shanghaiAt(-5, '09:00'), cigarettes_per_day: 10 });
});

const record = (fields: Record<string, unknown>) =>
  api.post('/smoking-records', { smoked_at: shanghaiAt(-1, '12:00'), cigarettes_smoked: 1, ...fields });

describe('quit bad input', () => {
  it('a second check-in for the same date is 409 with the existing one', async () => {
    const first = await api.post('/checkins', { checkin_date: shanghaiDate(-1), mood: 'good' });
    expect(first.status).toBe(201);
    const second = await api.post('/checkins', { checkin_date: shanghaiDate(-1), mood: 'low' });
    expect(second.status).toBe(409);
    expect(envelope(second)).toMatchObject({ code: 'CONFLICT', details: [{ field: 'checkin_date' }] });
    expect(second.body.existing).toMatchObject({ id: first.body.id, mood: 'good' });
  });

  it('cigarettes_smoked of 0 or below is 400 naming the field', async () => {
    for (const n of [0, -2]) {
      const res = await record({ cigarettes_smoked: n });
      expect(res.status).toBe(400);
      expect(envelope(res)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'cigarettes_smoked' }] });
    }
  });

  it('more than 3 tags outside the vocabulary, or more than 10 tags, is 400', async () => {
    const free = await record({ trigger_tags: ['stress', 'rain', 'bus', 'exam', 'phone'] });
    expect(free.status).toBe(400);
    expect(envelope(free)).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ message: 'smoking_records_trigger_tags_check' }],
    });
    const many = await record({ trigger_tags: Array.from({ length: 11 }, (_, i) => `t${i}`) });
    expect(many.status).toBe(400);
    expect(envelope(many).details[0]).toMatchObject({ field: 'trigger_tags' });
    expect((await record({ trigger_tags: ['stress', 'rain', 'bus', 'exam'] })).status).toBe(201);
  });

  it('a price with three decimals is 400, never rounded', async () => {
    for (const price of ['1.255', 0.125]) {
      const res = await api.put('/users/profile', { price_per_cigarette: price });
      expect(res.status).toBe(400);
      expect(envelope(res)).toMatchObject({ details: [{ field: 'price_per_cigarette' }] });
    }
    expect((await api.get('/users/profile')).body.price_per_cigarette).toBe('0.00');
  });

  it("another user's check-ins and records are 404, by id and by date", async () => {
    const checkin = await api.post('/checkins', { checkin_date: shanghaiDate(-2) });
    const smoked = await record({});
    const other = quit((await createUser()).token);
    for (
      const res of [
        await other.get(`/checkins/${shanghaiDate(-2)}`),
        await other.put(`/checkins/${checkin.body.id}`, { mood: 'low' }),
        await other.del(`/checkins/${checkin.body.id}`),
        await other.get(`/smoking-records/${smoked.body.id}`),
        await other.put(`/smoking-records/${smoked.body.id}`, { cigarettes_smoked: 9 }),
        await other.del(`/smoking-records/${smoked.body.id}`),
      ]
    ) {
      expect(res.status).toBe(404);
      expect(envelope(res).code).toBe('NOT_FOUND');
    }
    expect((await api.get(`/smoking-records/${smoked.body.id}`)).body.cigarettes_smoked).toBe(1);
  });

  it('export without premium is 403 with the reason', async () => {
    const res = await api.get('/export?format=csv');
    expect(res.status).toBe(403);
    expect(envelope(res)).toMatchObject({ code: 'FORBIDDEN', details: [{ code: 'premium_required' }] });
  });
});
