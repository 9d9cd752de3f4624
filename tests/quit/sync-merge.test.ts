// POST /quit/sync/merge: a row the user resolved after a conflict lands on top of the server version the conflict
// reported; if the row changed again since, it conflicts again.
import { describe, expect, it } from 'vitest';
import { quit, shanghaiAt } from '../helpers/quit.ts';
import { createUser } from '../helpers/users.ts';

describe('quit sync merge', () => {
  it('a resolution on the reported server_version applies; on a stale one it conflicts again', async () => {
    const api = quit((await createUser()).token);
    await api.put('/users/profile', { quit_at: shanghaiAt(-5, '08:00'), cigarettes_per_day: 10 });
    const made = await api.post('/smoking-records', { smoked_at: shanghaiAt(-1, '12:00'), cigarettes_smoked: 1 });
    const id = made.body.id;
    const edited = await api.put(`/smoking-records/${id}`, { note: 'edited on phone A' });
    // Phone B edits the version it last saw (the first one): smoking records are server-wins, so a conflict.
    const upload = await api.post('/sync/upload', {
      device_id: 'phone-b',
      mutations: [{
        mutation_id: crypto.randomUUID(),
        table: 'quit.smoking_records',
        op: 'upsert',
        row: { id, cigarettes_smoked: 3 },
        base_version: made.body.version,
      }],
    });
    const [conflict] = upload.body.results;
    expect(conflict.status).toBe('conflict');
    expect(String(conflict.server_row.version)).toBe(edited.body.version);

    const resolve = (server_version: string, cigarettes_smoked: number) =>
      api.post('/sync/merge', {
        device_id: 'phone-b',
        resolutions: [{
          mutation_id: crypto.randomUUID(),
          table: 'quit.smoking_records',
          row: { id, cigarettes_smoked, note: 'edited on phone A' },
          server_version,
        }],
      });
    const stale = await resolve(made.body.version, 4);
    expect(stale.status).toBe(200);
    expect(stale.body.results[0].status).toBe('conflict');
    const merged = await resolve(String(conflict.server_row.version), 3);
    expect(merged.body.results[0].status).toBe('applied');
    expect((await api.get(`/smoking-records/${id}`)).body).toMatchObject({
      cigarettes_smoked: 3,
      note: 'edited on phone A',
    });
  });
});
