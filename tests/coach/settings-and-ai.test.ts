// Daily Coach's settings as the app reads and writes them (GET /coach/settings, PUT .../notifications), a reading
// summary from the route through the deployed worker to the reading's ai_summary, and what a model is sent: the
// user's notes only while share_notes_with_ai is on, checked at a fake model the worker app calls.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi } from '../fakes/openai.ts';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { inProcessWorker } from '../helpers/in-process.ts';
import { createUser } from '../helpers/users.ts';
import { aiTaskFinished, deployedWorker, runUntil, workerApp, type WorkerRun } from '../helpers/worker.ts';

const fakeModel = await startFakeOpenAi();
afterAll(() => fakeModel.close());
const workerWithFakeModel = workerApp(
  inProcessWorker({
    AI_BASE_URL: fakeModel.baseUrl,
    AI_API_KEY: 'sk-test',
    AI_MODELS: JSON.stringify({ default: ['ok-coach'] }),
    AI_RETRIES: '0',
  }),
);

const coach = (token: string) => ({
  get: (path: string) => call('GET', `/coach${path}`, { token }),
  post: (path: string, json: unknown) => call('POST', `/coach${path}`, { token, json }),
  put: (path: string, json: unknown) => call('PUT', `/coach${path}`, { token, json }),
});

const DEFAULTS = {
  timezone: 'Asia/Shanghai',
  reminders_enabled: true,
  record_reminder: null,
  review_reminder: '21:30',
  ai_style: {},
  share_notes_with_ai: true,
  targets: [
    { dimension: 'workout', daily_goal: 30, weekly_goal: 150, unit: 'minutes', is_default: true },
    { dimension: 'meal', daily_goal: 3, weekly_goal: 21, unit: 'meals', is_default: true },
    { dimension: 'sleep', daily_goal: 8, weekly_goal: 56, unit: 'hours', is_default: true },
    { dimension: 'work', daily_goal: 240, weekly_goal: 1200, unit: 'focus minutes', is_default: true },
    { dimension: 'reading', daily_goal: 30, weekly_goal: 210, unit: 'minutes', is_default: true },
  ],
};

/** Runs the AI task through a worker and returns what the model was sent for it (one call). */
async function sentToModel(taskId: string, run: WorkerRun = workerWithFakeModel): Promise<string> {
  const before = fakeModel.calls.length;
  await runUntil(run, taskId, aiTaskFinished(taskId));
  const calls = fakeModel.calls.slice(before);
  expect(calls).toHaveLength(1);
  return JSON.stringify(calls[0].messages);
}

describe('coach settings', () => {
  it("GET /coach/settings: a new user's defaults, then what the settings routes stored, caller's only", async () => {
    const user = await createUser();
    const me = coach(user.token);
    const other = coach((await createUser()).token);
    expect((await me.get('/settings')).body).toEqual(DEFAULTS);

    expect(
      (await me.put('/settings/targets', { targets: [{ dimension: 'reading', daily_goal: 20, weekly_goal: 100 }] }))
        .status,
    ).toBe(200);
    expect(
      (await me.put('/settings/ai', {
        share_notes_with_ai: false,
        ai_style: { tone: 'direct', length: 'short', language: 'en' },
      })).status,
    ).toBe(200);
    expect((await call('PATCH', '/coach/me', { token: user.token, json: { timezone: 'Europe/Berlin' } })).status).toBe(
      200,
    );
    const read = await me.get('/settings');
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      ...DEFAULTS,
      timezone: 'Europe/Berlin',
      share_notes_with_ai: false,
      ai_style: { tone: 'direct', length: 'short', language: 'en' },
      targets: DEFAULTS.targets.map((
        t,
      ) => (t.dimension === 'reading' ? { ...t, daily_goal: 20, weekly_goal: 100, is_default: false } : t)),
    });
    expect((await other.get('/settings')).body).toEqual(DEFAULTS);
  });

  it('PUT /coach/settings/notifications sets, clears, keeps reminders; a bad time: 400, nothing changed', async () => {
    const user = await createUser();
    const me = coach(user.token);
    const reminders = async () => {
      const { reminders_enabled, record_reminder, review_reminder } = (await me.get('/settings')).body;
      return { reminders_enabled, record_reminder, review_reminder };
    };

    const first = await me.put('/settings/notifications', { reminders_enabled: false, record_reminder: '08:15' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ reminders_enabled: false, record_reminder: '08:15', review_reminder: '21:30' });
    expect(await reminders()).toEqual({ reminders_enabled: false, record_reminder: '08:15', review_reminder: '21:30' });

    expect((await me.put('/settings/notifications', { review_reminder: null })).status).toBe(200);
    expect(await reminders()).toEqual({ reminders_enabled: false, record_reminder: '08:15', review_reminder: null });

    const bad = await me.put('/settings/notifications', { reminders_enabled: true, record_reminder: '24:00' });
    expect(bad.status).toBe(400);
    expect(envelope(bad).details).toMatchObject([{ field: 'record_reminder' }]);
    expect(await reminders()).toEqual({ reminders_enabled: false, record_reminder: '08:15', review_reminder: null });

    expect((await me.put('/settings/notifications', { reminders_enabled: true, review_reminder: '22:05' })).status)
      .toBe(200);
    expect(await reminders()).toEqual({ reminders_enabled: true, record_reminder: '08:15', review_reminder: '22:05' });
    // Stored as local times of day in the caller's settings row (which the apps also sync).
    expect(
      await adminSql()`
        select reminders_enabled, record_reminder::text, review_reminder::text from coach.settings
        where user_id = ${user.id}`,
    )
      .toEqual([{ reminders_enabled: true, record_reminder: '08:15:00', review_reminder: '22:05:00' }]);
  });
});

describe('coach AI tasks through a worker', () => {
  it(
    'reading summary: POST /coach/ai/reading-summary → the deployed worker → ' +
      'the task completes and the reading has its ai_summary',
    { timeout: 30_000 },
    async () => {
      const me = coach((await createUser()).token);
      const reading = await me.post('/records/reading', {
        date: '2026-11-20',
        book: 'Thinking, Fast and Slow',
        minutes: 25,
        pages: 30,
        notes: 'System 1 is fast',
      });
      expect(reading.status).toBe(201);
      expect(reading.body.ai_summary).toBeNull();
      const accepted = await me.post('/ai/reading-summary', { reading_id: reading.body.id });
      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({ kind: 'coach.reading_summary', status: 'pending' });

      await runUntil(deployedWorker, accepted.body.id, aiTaskFinished(accepted.body.id));
      const task = await me.get(`/ai/tasks/${accepted.body.id}`);
      expect(task.body).toMatchObject({
        status: 'completed',
        fallback: false,
        refunded: false,
        result: { content: expect.any(String) },
      });
      expect(task.body.result.content).not.toBe('');
      expect((await me.get(`/records/reading/${reading.body.id}`)).body).toMatchObject({
        notes: 'System 1 is fast',
        ai_summary: task.body.result.content,
      });
    },
  );

  it(
    "share_notes_with_ai: the reading's notes and the day's note reach the model while it is on, " +
      'and only the numbers once it is off',
    { timeout: 30_000 },
    async () => {
      const me = coach((await createUser()).token);
      const marker = crypto.randomUUID();
      const reading = await me.post('/records/reading', {
        date: '2026-11-20',
        book: 'Deep Work',
        minutes: 40,
        notes: `reading note ${marker}`,
      });
      expect(reading.status).toBe(201);
      expect((await me.put('/day-logs/2026-11-20', { note: `day note ${marker}` })).status).toBe(200);
      const summarise = async () =>
        sentToModel((await me.post('/ai/reading-summary', { reading_id: reading.body.id })).body.id);
      const review = async () => sentToModel((await me.post('/ai/review', { date: '2026-11-20' })).body.id);

      // On by default.
      const sharedSummary = await summarise();
      expect(sharedSummary).toContain('Book: Deep Work. Read 40 minutes');
      expect(sharedSummary).toContain(`reading note ${marker}`);
      const sharedReview = await review();
      expect(sharedReview).toContain('Read 40 min (goal 30)');
      expect(sharedReview).toContain(`day note ${marker}`);

      expect((await me.put('/settings/ai', { share_notes_with_ai: false })).body.share_notes_with_ai).toBe(false);
      const privateSummary = await summarise();
      expect(privateSummary).toContain('Book: Deep Work. Read 40 minutes');
      expect(privateSummary).not.toContain(marker);
      const privateReview = await review();
      expect(privateReview).toContain('Read 40 min (goal 30)');
      expect(privateReview).not.toContain(marker);
      // The notes themselves are kept; only the model stops seeing them.
      expect((await me.get(`/records/reading/${reading.body.id}`)).body.notes).toBe(`reading note ${marker}`);
    },
  );
});
