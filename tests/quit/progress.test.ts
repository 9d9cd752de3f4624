// GET /quit/progress: the health milestones against times computed by hand from the quit moment (20 minutes,
// 8, 12, 24 hours, 2 weeks after it).
import { describe, expect, it } from 'vitest';
import { quit } from '../helpers/quit.ts';
import { createUser } from '../helpers/users.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('quit progress milestones', () => {
  it('10 h after quitting: the 20-minute and 8-hour milestones reached at their moments, 12 h not yet', async () => {
    const api = quit((await createUser()).token);
    const quitMs = Math.floor(Date.now() / 1000) * 1000 - 10 * HOUR;
    const quitAt = new Date(quitMs).toISOString();
    expect((await api.put('/users/profile', { quit_at: quitAt, cigarettes_per_day: 10 })).status).toBe(200);
    const res = await api.get('/progress');
    expect(res.status).toBe(200);
    const seconds = res.body.seconds_since_quit;
    expect(seconds).toBeGreaterThanOrEqual(36_000);
    type Milestone = { key: string; reached: boolean; reached_at: string; progress: number; after_seconds: number };
    const byKey = Object.fromEntries((res.body.milestones as Milestone[]).map((m) => [m.key, m]));
    const at = (ms: number) => new Date(quitMs + ms).toISOString();
    expect(byKey.heart_rate).toMatchObject({ after_seconds: 1200, reached: true, reached_at: at(20 * MINUTE) });
    expect(byKey.heart_rate.progress).toBe(1);
    expect(byKey.oxygen).toMatchObject({ after_seconds: 28_800, reached: true, reached_at: at(8 * HOUR) });
    expect(byKey.carbon_monoxide).toMatchObject({ reached: false, reached_at: at(12 * HOUR) });
    expect(byKey.carbon_monoxide.progress).toBeCloseTo(seconds / 43_200, 6);
    expect(byKey.carbon_monoxide.progress).toBeLessThan(1);
    expect(byKey.nicotine_cleared).toMatchObject({ reached: false, reached_at: at(24 * HOUR) });
    expect(byKey.circulation).toMatchObject({ reached: false, reached_at: at(14 * 24 * HOUR) });
  });
});
