// PUT /coach/records/{dimension}/{id} changes only the fields it is sent: a field the dimension gives a default on
// create (a workout's intensity, a work session's tasks) keeps its stored value when an update leaves it out.
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/http.ts';
import { createUser } from '../helpers/users.ts';

describe('coach record updates', () => {
  it('an update leaves the fields it does not send as stored, defaulted ones included', async () => {
    const { token } = await createUser();
    const workout = await call('POST', '/coach/records/workout', {
      token,
      json: { date: '2026-11-20', workout_type: 'run', duration_minutes: 15, intensity: 'high' },
    });
    expect(workout.status).toBe(201);
    const changed = await call('PUT', `/coach/records/workout/${workout.body.id}`, {
      token,
      json: { duration_minutes: 30 },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ duration_minutes: 30, intensity: 'high' });

    const work = await call('POST', '/coach/records/work', {
      token,
      json: { date: '2026-11-20', focus_minutes: 60, tasks_done: 2, tasks: ['write', 'review'] },
    });
    expect(work.status).toBe(201);
    const note = await call('PUT', `/coach/records/work/${work.body.id}`, { token, json: { note: 'good day' } });
    expect(note.body).toMatchObject({ focus_minutes: 60, tasks_done: 2, tasks: ['write', 'review'], note: 'good day' });
  });
});
