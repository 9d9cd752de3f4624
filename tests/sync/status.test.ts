// Sync status: per device, the cursor of its last pull, its last push, and the manual conflicts it owes.
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/http.ts';
import { createUser } from '../helpers/users.ts';

const T = 'public.sync_samples_manual';
const m = (row: Record<string, unknown>, base: string | null = null) => ({
  mutation_id: crypto.randomUUID(),
  table: T,
  op: 'upsert',
  row,
  base_version: base,
});
const push = (token: string, device: string, mutations: unknown[]) =>
  call('POST', '/coach/sync/push', { token, json: { device_id: device, mutations } });
/** What the status route says of one installation, as these tests read it. */
type DeviceStatus = {
  device_id: string;
  last_pull_cursor: string | null;
  last_pull_at: string | null;
  last_push_at: string | null;
  behind: boolean;
  pending_conflicts: unknown[];
};
const status = async (token: string): Promise<DeviceStatus[]> =>
  (await call('GET', '/coach/sync/status', { token })).body.devices;

describe('sync status', () => {
  it("reports each device's last pull cursor and push, and whether it is behind", async () => {
    const user = await createUser();
    expect(await status(user.token)).toEqual([]);
    const pushed = await push(user.token, 'phone', [m({ id: crypto.randomUUID(), title: 'a' })]);
    expect(pushed.status).toBe(200);
    const pulled = await call('POST', '/coach/sync/pull', { token: user.token, json: { device_id: 'tablet' } });
    await push(user.token, 'phone', [m({ id: crypto.randomUUID(), title: 'b' })]);

    const devices = await status(user.token);
    const phone = devices.find((d) => d.device_id === 'phone');
    const tablet = devices.find((d) => d.device_id === 'tablet');
    expect(phone).toMatchObject({ last_pull_cursor: null, last_pull_at: null, behind: true, pending_conflicts: [] });
    expect(Date.parse(phone?.last_push_at ?? '')).not.toBeNaN();
    // The tablet pulled before the phone's second push: it has pulled through the first version only.
    expect(tablet).toMatchObject({ last_pull_cursor: pulled.body.next_cursor, last_push_at: null, behind: true });
    await call('POST', '/coach/sync/pull', {
      token: user.token,
      json: { device_id: 'tablet', cursor: pulled.body.next_cursor },
    });
    expect((await status(user.token)).find((d) => d.device_id === 'tablet')?.behind).toBe(false);

    // Another user and another app see none of it.
    expect(await status((await createUser()).token)).toEqual([]);
    expect((await call('GET', '/quit/sync/status', { token: user.token })).body.devices).toEqual([]);
  });

  it('lists a manual conflict as pending until that device pushes the row again', async () => {
    const user = await createUser();
    const id = crypto.randomUUID();
    const v1 = String((await push(user.token, 'phone', [m({ id, title: 'v1' })])).body.results[0].version);
    await push(user.token, 'tablet', [m({ id, title: 'tablet edit' }, v1)]);
    const clash = await push(user.token, 'phone', [m({ id, title: 'phone edit' }, v1)]);
    expect(clash.body.results[0]).toMatchObject({ status: 'conflict', resolution: 'resolve_on_client' });
    const serverVersion = String(clash.body.results[0].server_row.version);

    const pending = (await status(user.token)).find((d) => d.device_id === 'phone')?.pending_conflicts;
    expect(pending).toMatchObject([{
      mutation_id: clash.body.results[0].mutation_id,
      table: T,
      row_id: id,
      server_version: serverVersion,
    }]);
    expect((await status(user.token)).find((d) => d.device_id === 'tablet')?.pending_conflicts).toEqual([]);

    // A replay of the conflicting mutation does not open a second conflict.
    await push(user.token, 'phone', [{
      ...m({ id, title: 'phone edit' }, v1),
      mutation_id: clash.body.results[0].mutation_id,
    }]);
    expect((await status(user.token)).find((d) => d.device_id === 'phone')?.pending_conflicts).toHaveLength(1);

    const resolved = await push(user.token, 'phone', [m({ id, title: 'merged' }, serverVersion)]);
    expect(resolved.body.results[0].status).toBe('applied');
    expect((await status(user.token)).find((d) => d.device_id === 'phone')?.pending_conflicts).toEqual([]);
  });
});
