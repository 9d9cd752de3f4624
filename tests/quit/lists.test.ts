// Cursor pagination of the check-in and smoking-record lists: walking every page yields each live row exactly once,
// in a stable order, even when records share the same moment.
import { describe, expect, it } from 'vitest';
import { quit, shanghaiAt, shanghaiDate } from '../helpers/quit.ts';
import { createUser } from '../helpers/users.ts';

type Api = ReturnType<typeof quit>;

/** Every page of a list, `limit` at a time, following next_cursor to the end. */
async function walk(api: Api, path: string, limit: number): Promise<{ id: string }[][]> {
  const pages: { id: string }[][] = [];
  let cursor: string | null = null;
  do {
    const res = await api.get(`${path}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    pages.push(res.body.items);
    cursor = res.body.next_cursor;
  } while (cursor);
  return pages;
}

describe('quit list pagination', () => {
  it('GET checkins pages through every check-in once, newest date first', async () => {
    const api = quit((await createUser()).token);
    await api.put('/users/profile', { quit_at: shanghaiAt(-10, '08:00'), cigarettes_per_day: 10 });
    const dates = Array.from({ length: 7 }, (_, i) => shanghaiDate(-i));
    for (const checkin_date of dates) expect((await api.post('/checkins', { checkin_date })).status).toBe(201);
    const pages = await walk(api, '/checkins', 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((c) => (c as unknown as { checkin_date: string }).checkin_date)).toEqual(dates);
  });

  it('GET smoking-records pages through records sharing one moment once each, in a stable order', async () => {
    const api = quit((await createUser()).token);
    await api.put('/users/profile', { quit_at: shanghaiAt(-10, '08:00'), cigarettes_per_day: 10 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const at = i < 4 ? shanghaiAt(-1, '12:00') : shanghaiAt(-2, '12:00');
      ids.push((await api.post('/smoking-records', { smoked_at: at, cigarettes_smoked: 1 })).body.id);
    }
    const first = (await walk(api, '/smoking-records', 2)).flat().map((r) => r.id);
    expect(first).toHaveLength(5);
    expect(new Set(first).size).toBe(5);
    expect([...first].sort()).toEqual([...ids].sort());
    expect(first.at(-1)).toBe(ids[4]);
    // The same walk again, one row a page: the same order.
    expect((await walk(api, '/smoking-records', 1)).flat().map((r) => r.id)).toEqual(first);
  });
});
