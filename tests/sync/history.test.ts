// Sync history: the caller's pushed mutations of one app, newest first, paged; nobody else's, no other app's.
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/http.ts';
import { createUser } from '../helpers/users.ts';

const T = 'public.sync_samples_manual';
const push = (token: string, device: string, mutations: unknown[]) =>
  call('POST', '/coach/sync/push', { token, json: { device_id: device, mutations } });
const upsert = (id: string, title: string, base: string | null = null) => ({
  mutation_id: crypto.randomUUID(),
  table: T,
  op: 'upsert',
  row: { id, title },
  base_version: base,
});
type Entry = { mutation_id: string; device_id: string; row_id: string; op: string; status: string; version: string };
const history = (token: string, query = '') => call('GET', `/coach/sync/history${query}`, { token });

describe('sync history', () => {
  it("pages the caller's pushed mutations newest first with device, row, op and outcome", async () => {
    const user = await createUser();
    const id = crypto.randomUUID();
    const first = upsert(id, 'v1');
    const v1 = String((await push(user.token, 'phone', [first])).body.results[0].version);
    const clash = upsert(id, 'phone again', null);
    await push(user.token, 'phone', [clash]);
    const remove = { mutation_id: crypto.randomUUID(), table: T, op: 'delete', row: { id }, base_version: v1 };
    await push(user.token, 'tablet', [remove]);

    const one = await history(user.token, '?limit=2');
    expect(one.status).toBe(200);
    expect(one.body.items.map((e: Entry) => [e.mutation_id, e.device_id, e.op, e.status])).toEqual([
      [remove.mutation_id, 'tablet', 'delete', 'applied'],
      [clash.mutation_id, 'phone', 'upsert', 'conflict'],
    ]);
    expect(one.body.next_cursor).toEqual(expect.any(String));
    const two = await history(user.token, `?limit=2&cursor=${one.body.next_cursor}`);
    expect(two.body.items).toEqual([
      expect.objectContaining({ mutation_id: first.mutation_id, row_id: id, version: v1, table: T }),
    ]);
    expect(two.body.next_cursor).toBeNull();

    // Another user and another app see none of it.
    expect((await history((await createUser()).token)).body.items).toEqual([]);
    expect((await call('GET', '/quit/sync/history', { token: user.token })).body.items).toEqual([]);
  });
});
