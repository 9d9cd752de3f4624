// Quit Journey end to end as a new user of the app: email sign-up with supabase-js → a quit profile 10 days ago →
// Hive import of a week of history → check-ins and smoking records from two devices (REST and sync upload) →
// statistics, money saved and streaks against hand-computed values in Asia/Shanghai (UTC+8), including a record
// just after local midnight → achievements unlocked once each, points once → a second device downloads everything
// through sync → premium export in JSON and CSV.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { freshEmail, signUpConfirmed } from '../helpers/mail.ts';
import { quit, shanghaiAt, shanghaiDate } from '../helpers/quit.ts';
import { DAY, deliver, rcEvent } from '../helpers/revenuecat.ts';
import { stackEnv } from '../helpers/stack.ts';

const d = shanghaiDate;
type Change = { table: string; op: string; row: { id: string } };

describe('quit journey', () => {
  it('sign-up → profile → Hive import → two devices → stats, streaks → achievements once → sync → export', async () => {
    const { user, session } = await signUpConfirmed(freshEmail('quit'), 'correct horse battery');
    const api = quit(session.access_token);

    // The profile: quit 10 local days ago at 08:00 in Shanghai; 20 a day at 1.25 (a 25 CNY pack).
    const profile = await api.put('/users/profile', {
      quit_at: shanghaiAt(-10, '08:00'),
      quit_reason: '为了家人',
      cigarettes_per_day: 20,
      price_per_cigarette: '1.25',
      timezone: 'Asia/Shanghai',
    });
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ price_per_cigarette: '1.25', currency: 'CNY', cigarettes_per_day: 20 });

    // A week of history from the phone's Hive boxes: check-ins for days -9 … -4, day -3 not checked in (a lapse at
    // 23:30 that night, 2 cigarettes), the profile as the phone had it, and an achievement the phone claims.
    const hive = [
      { box: 'profile', key: 'profile', value: { quitDate: shanghaiAt(-30, '08:00'), cigarettesPerDay: 5 } },
      ...[-9, -8, -7, -6, -5, -4].map((o) => ({
        box: 'checkins',
        key: d(o),
        value: { date: d(o), checkedIn: true, mood: 'good', note: '坚持' },
      })),
      { box: 'checkins', key: d(-3), value: { date: d(-3), checkedIn: false, mood: 'craving' } },
      {
        box: 'smoking_records',
        key: 1,
        value: { smokedAt: shanghaiAt(-3, '23:30'), count: 2, triggers: ['stress', '加班'] },
      },
      { box: 'achievements', key: 'one_year', value: { unlockedAt: shanghaiAt(-1, '12:00') } },
    ];
    const imported = await api.post('/sync/import', { source: 'hive', batch_no: 1, rows: hive });
    expect(imported.status).toBe(200);
    expect(imported.body.rows.map((r: { status: string }) => r.status)).toEqual([
      'skipped', // the profile in the cloud is kept
      ...Array(7).fill('imported'),
      'imported',
      'skipped', // the phone's claim: the server decides
    ]);
    // The same boxes again under another batch number: nothing changes.
    const again = await api.post('/sync/import', { source: 'hive', batch_no: 2, rows: hive });
    expect(again.body).toMatchObject({ imported: 0, rejected: 0, skipped: hive.length });

    // Device A (REST): check-ins for days -2 and -1, and 3 cigarettes at 00:10 on day -1 (16:10 UTC of day -2).
    for (const o of [-2, -1]) {
      expect((await api.post('/checkins', { checkin_date: d(o), mood: 'great' })).status).toBe(201);
    }
    const midnight = await api.post('/smoking-records', {
      smoked_at: shanghaiAt(-1, '00:10'),
      cigarettes_smoked: 3,
      trigger_tags: ['alcohol', 'social'],
    });
    expect(midnight.status).toBe(201);
    // Device B (sync upload): today's check-in and 1 cigarette at 10:00 on day -1.
    const upload = await api.post('/sync/upload', {
      device_id: 'phone-b',
      mutations: [
        {
          mutation_id: crypto.randomUUID(),
          table: 'quit.checkins',
          op: 'upsert',
          row: { id: crypto.randomUUID(), checkin_date: d(0), is_checked_in: true, note: '第十天' },
        },
        {
          mutation_id: crypto.randomUUID(),
          table: 'quit.smoking_records',
          op: 'upsert',
          row: { id: crypto.randomUUID(), smoked_at: shanghaiAt(-1, '10:00'), cigarettes_smoked: 1 },
        },
      ],
    });
    expect(upload.body.results.map((r: { status: string }) => r.status)).toEqual(['applied', 'applied']);

    // By hand: 10 local days since quitting; smoked 2 + 3 + 1 = 6 on days -3 and -1, so 10 − 2 = 8 smoke-free days;
    // avoided 20 × 10 − 6 = 194; saved 194 × 1.25 = 242.50. Checked in: -9 … -4 (6 in a row), then -2, -1, 0 (3).
    const progress = await api.get('/progress');
    expect(progress.status).toBe(200);
    expect(progress.body).toMatchObject({
      timezone: 'Asia/Shanghai',
      days_since_quit: 10,
      smoke_free_days: 8,
      cigarettes_smoked_since_quit: 6,
      cigarettes_avoided: 194,
      money_saved: '242.50',
      currency: 'CNY',
      total_checkins: 9,
      current_streak: 3,
      longest_streak: 6,
    });
    const reached = progress.body.milestones.filter((m: { reached: boolean }) => m.reached).map((m: { key: string }) =>
      m.key
    );
    expect(reached).toEqual([
      'heart_rate',
      'oxygen',
      'carbon_monoxide',
      'nicotine_cleared',
      'taste_smell',
      'breathing',
    ]);

    const checkinStats = await api.get(`/checkins/stats?from=${d(-9)}&to=${d(0)}`);
    expect(checkinStats.body).toMatchObject({
      current_streak: 3,
      longest_streak: 6,
      total_days: 9,
      days_in_range: 10,
      checkin_rate: 0.9,
    });
    const smokingStats = await api.get(`/smoking-records/stats?from=${d(-9)}&to=${d(0)}`);
    const perDay = Object.fromEntries(
      smokingStats.body.per_day.map((x: { date: string; cigarettes: number }) => [x.date, x.cigarettes]),
    );
    // The 00:10 record is on local day -1, not on its UTC date (day -2).
    expect([perDay[d(-3)], perDay[d(-2)], perDay[d(-1)]]).toEqual([2, 0, 4]);
    expect(smokingStats.body.totals).toMatchObject({ records: 3, cigarettes: 6, days_with_smoking: 2 });
    const byHour = Object.fromEntries(
      smokingStats.body.by_hour.map((x: { hour: number; cigarettes: number }) => [x.hour, x.cigarettes]),
    );
    expect([byHour[0], byHour[10], byHour[23]]).toEqual([3, 1, 2]);
    expect(smokingStats.body.by_trigger_tag).toEqual(expect.arrayContaining([
      { tag: 'stress', records: 1, cigarettes: 2 },
      { tag: '加班', records: 1, cigarettes: 2 },
      { tag: 'alcohol', records: 1, cigarettes: 3 },
    ]));

    // Achievements: smoke-free ≥ 1, 3, 7 days; saved ≥ 100; avoided ≥ 100; "good start" (3 days or a 3-day
    // streak). Not the phone's claimed one_year, not 10 check-ins (9), not a 7-day streak (6).
    const expected = ['avoided_100', 'first_day', 'good_start', 'money_100', 'one_week', 'three_days'];
    const unlock = await api.post('/achievements/unlock');
    expect(unlock.status).toBe(200);
    expect(unlock.body.unlocked).toEqual([]); // the writes above unlocked them already
    const unlocked = (await api.get('/achievements')).body.items.filter((a: { unlocked: boolean }) => a.unlocked);
    expect(unlocked.map((a: { key: string }) => a.key).sort()).toEqual(expected);
    const stats = (await api.get('/achievements/stats')).body;
    const [{ points }] = await adminSql()`
      select sum(points)::int as points from quit.achievements where key = any(${expected})`;
    expect(stats).toMatchObject({ unlocked: expected.length, points_earned: points });
    const ledger = await adminSql()`
      select amount, idempotency_key from public.wallet_entries where user_id = ${user.id} and app_id = 'quit'`;
    expect(ledger.map((e) => e.idempotency_key).sort()).toEqual(expected.map((k) => `quit-achievement:${k}`).sort());
    expect(ledger.reduce((n, e) => n + Number(e.amount), 0)).toBe(points);
    const notified = (await api.get('/notifications?limit=50')).body.items.filter((n: { kind: string }) =>
      n.kind === 'achievement'
    );
    expect(notified).toHaveLength(expected.length);

    // A second device downloads everything through sync.
    const changes: Change[] = [];
    let cursor = '0';
    for (;;) {
      const page = await api.get(`/sync/download?device_id=tablet&cursor=${cursor}&limit=7`);
      expect(page.status).toBe(200);
      changes.push(...page.body.changes);
      cursor = page.body.next_cursor;
      if (!page.body.has_more) break;
    }
    const count = (table: string) => changes.filter((c) => c.table === table && c.op === 'upsert').length;
    expect([count('quit.profiles'), count('quit.checkins'), count('quit.smoking_records')]).toEqual([1, 10, 3]);
    expect(count('quit.user_achievements')).toBeGreaterThanOrEqual(expected.length);
    const status = (await api.get('/sync/status')).body.devices.map((x: { device_id: string }) => x.device_id);
    expect(status.sort()).toEqual(['phone-b', 'tablet']);
    const history = (await api.get('/sync/history')).body.items;
    expect(history.map((h: { device_id: string; status: string }) => [h.device_id, h.status])).toEqual([
      ['phone-b', 'applied'],
      ['phone-b', 'applied'],
    ]);

    // Premium export, both formats, after the yearly subscription arrives from the store.
    const notYet = await api.get('/export?format=json');
    expect(notYet.status).toBe(403);
    const bought = await deliver(rcEvent('INITIAL_PURCHASE', user.id, {
      product_id: 'com.houtai.quit.premium.yearly',
      original_transaction_id: `otx-${crypto.randomUUID()}`,
      expiration_at_ms: Date.now() + 365 * DAY,
    }));
    expect(bought.status).toBe(200);
    const json = await api.get('/export?format=json');
    expect(json.status).toBe(200);
    expect(json.body.tables.checkins).toHaveLength(10);
    expect(json.body.tables.smoking_records).toHaveLength(3);
    expect(json.body.tables.profile[0]).toMatchObject({ quit_reason: '为了家人', price_per_cigarette: '1.25' });
    // Read as bytes: a text decoder would drop the byte order mark this checks.
    const csv = await fetch(`${stackEnv().apiBase}/quit/export?format=csv`, {
      headers: { authorization: `Bearer ${session.access_token}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.slice(3));
    expect(text).toContain('# checkins');
    expect(text).toContain('# smoking_records');
    expect(text).toContain('为了家人');
    expect(text.split('\r\n').filter((l) => l.includes(',craving,'))).toHaveLength(1);
  });
});
