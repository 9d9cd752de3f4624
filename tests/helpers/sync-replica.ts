// A second device catching up: POST /{app}/sync/pull page by page from cursor 0, keeping the last version of each row.
import { expect } from 'vitest';
import type { ApiResponse } from './http.ts';

/** Every row the device pulls, by "<table>/<id>"; `post` calls the app's routes as the signed-in user. */
export async function pullAll(
  post: (path: string, json: unknown) => Promise<ApiResponse>,
  deviceId: string,
  limit = 50,
): Promise<Map<string, Record<string, unknown>>> {
  const replica = new Map<string, Record<string, unknown>>();
  let cursor = '0';
  for (;;) {
    const res = await post('/sync/pull', { cursor, limit, device_id: deviceId });
    expect(res.status).toBe(200);
    for (const c of res.body.changes) replica.set(`${c.table}/${c.row.id}`, c.row);
    cursor = res.body.next_cursor;
    if (!res.body.has_more) return replica;
  }
}
