// The premium export holds what a user means by their data: live rows only, no sync bookkeeping, columns in the
// documented order (docs/apps/quit.md), in JSON and CSV alike.
import { beforeAll, describe, expect, it } from 'vitest';
import { quit, shanghaiAt, shanghaiDate } from '../helpers/quit.ts';
import { DAY, deliver, rcEvent } from '../helpers/revenuecat.ts';
import { createUser } from '../helpers/users.ts';

const SYNC_COLUMNS = ['user_id', 'version', 'deleted_at'];
let api: ReturnType<typeof quit>;
let kept: string;
let deleted: string;

beforeAll(async () => {
  const user = await createUser();
  api = quit(user.token);
  await api.put('/users/profile', { quit_at: shanghaiAt(-3, '08:00'), cigarettes_per_day: 10 });
  await api.post('/checkins', { checkin_date: shanghaiDate(-1), mood: 'good' });
  kept = (await api.post('/smoking-records', { smoked_at: shanghaiAt(-1, '12:00'), cigarettes_smoked: 1 })).body.id;
  deleted = (await api.post('/smoking-records', { smoked_at: shanghaiAt(-1, '13:00'), cigarettes_smoked: 2 })).body.id;
  expect((await api.del(`/smoking-records/${deleted}`)).status).toBe(204);
  const bought = await deliver(rcEvent('INITIAL_PURCHASE', user.id, {
    product_id: 'com.houtai.quit.premium.yearly',
    original_transaction_id: `otx-${crypto.randomUUID()}`,
    expiration_at_ms: Date.now() + 365 * DAY,
  }));
  expect(bought.status).toBe(200);
});

describe('quit export', () => {
  it('JSON holds live rows only, without user_id, version or deleted_at, columns in the documented order', async () => {
    const res = await api.get('/export?format=json');
    expect(res.status).toBe(200);
    const records = res.body.tables.smoking_records as Record<string, unknown>[];
    expect(records.map((r) => r.id)).toEqual([kept]);
    expect(Object.keys(records[0])).toEqual([
      'id',
      'smoked_at',
      'cigarettes_smoked',
      'trigger_tags',
      'note',
      'location',
      'created_at',
      'updated_at',
    ]);
    for (const rows of Object.values(res.body.tables) as Record<string, unknown>[][]) {
      for (const row of rows) for (const c of SYNC_COLUMNS) expect(row).not.toHaveProperty(c);
    }
    expect(res.body.tables.checkins).toHaveLength(1);
  });

  it('CSV holds live rows only, and no section header names a sync column', async () => {
    const res = await api.get('/export?format=csv');
    expect(res.status).toBe(200);
    const text = String(res.body);
    expect(text).toContain(kept);
    expect(text).not.toContain(deleted);
    const lines = text.split('\r\n');
    const header = lines[lines.indexOf('# smoking_records') + 1];
    expect(header).toBe('id,smoked_at,cigarettes_smoked,trigger_tags,note,location,created_at,updated_at');
    const headers = lines.filter((_, i) => i > 0 && lines[i - 1].startsWith('# '));
    expect(headers).toHaveLength(6);
    for (const h of headers) for (const c of SYNC_COLUMNS) expect(h.split(',')).not.toContain(c);
  });
});
