// Quit Journey notifications and settings through HTTP: device registration, the notification preferences (and an
// achievement unlock that honours "off"), the test notification, and the settings' validation.
import { describe, expect, it } from 'vitest';
import { envelope } from '../helpers/http.ts';
import { quit, shanghaiAt } from '../helpers/quit.ts';
import { createUser } from '../helpers/users.ts';

const newUser = async () => quit((await createUser()).token);
type Item = { kind: string; id: string; data: Record<string, unknown> };

describe('quit notifications and settings', () => {
  it('notifications/register records the device and its push token, listed by /quit/devices', async () => {
    const api = await newUser();
    const installation_id = `inst-${crypto.randomUUID()}`;
    const body = { installation_id, platform: 'android', push_vendor: 'fcm', push_token: 'token-1' };
    const first = await api.post('/notifications/register', body);
    expect(first.status).toBe(201);
    const again = await api.post('/notifications/register', { ...body, push_token: 'token-2' });
    expect(again.status).toBe(200);
    const devices = (await api.get('/devices')).body.items;
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ installation_id, app_id: 'quit', push_vendor: 'fcm', push_token: 'token-2' });
  });

  it('notifications/settings reads back, and an unlock with achievements off leaves no notification', async () => {
    const off = await newUser();
    const put = await off.put('/notifications/settings', {
      notify_achievements: false,
      quiet_hours_start: '22:00',
      quiet_hours_end: '07:00',
    });
    expect(put.status).toBe(200);
    expect((await off.get('/users/settings')).body).toMatchObject({
      notify_achievements: false,
      notify_milestones: true,
      quiet_hours_start: '22:00',
      quiet_hours_end: '07:00',
    });
    const on = await newUser();
    for (const api of [off, on]) {
      await api.put('/users/profile', { quit_at: shanghaiAt(-2, '08:00'), cigarettes_per_day: 10 });
    }
    const unlocked = async (api: typeof on) => {
      const achievements = (await api.get('/achievements')).body.items;
      return (achievements as { key: string; unlocked: boolean }[]).filter((a) => a.unlocked).map((a) => a.key);
    };
    expect(await unlocked(off)).toContain('first_day');
    expect(await unlocked(on)).toContain('first_day');
    const kinds = async (api: typeof on) =>
      ((await api.get('/notifications')).body.items as Item[]).map((n) => n.data.achievement_key);
    expect(await kinds(on)).toContain('first_day');
    expect(await kinds(off)).not.toContain('first_day');
  });

  it('notifications/test answers 202 and the row heads GET notifications', async () => {
    const api = await newUser();
    const res = await api.post('/notifications/test', { title: 'hello' });
    expect(res.status).toBe(202);
    expect(res.body.notification).toMatchObject({ kind: 'test', title: 'hello', read_at: null });
    const list = (await api.get('/notifications')).body.items as Item[];
    expect(list.map((n) => [n.id, n.kind])).toEqual([[res.body.notification.id, 'test']]);
  });

  it('users/settings reads defaults, writes what is sent, refuses bad values with 400 naming the field', async () => {
    const api = await newUser();
    const defaults = await api.get('/users/settings');
    expect(defaults.status).toBe(200);
    expect(defaults.body).toMatchObject({ reminder_enabled: true, reminder_time: '09:00', version: null });
    const changed = await api.put('/users/settings', { reminder_time: '20:30', notify_encouragement: false });
    expect(changed.status).toBe(200);
    expect((await api.get('/users/settings')).body).toMatchObject({
      reminder_time: '20:30',
      notify_encouragement: false,
      reminder_enabled: true,
    });
    const bad: [Record<string, unknown>, string][] = [
      [{ reminder_time: '24:00' }, 'reminder_time'],
      [{ reminder_time: '9:00' }, 'reminder_time'],
      [{ quiet_hours_start: '22:00' }, 'quiet_hours_end'],
      [{ reminder_enabled: 'yes' }, 'reminder_enabled'],
      [{ nonsense: true }, '(root)'],
    ];
    for (const [body, field] of bad) {
      const res = await api.put('/users/settings', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(envelope(res)).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(envelope(res).details.map((d) => d.field)).toContain(field);
    }
    expect((await api.get('/users/settings')).body.reminder_time).toBe('20:30');
  });
});
