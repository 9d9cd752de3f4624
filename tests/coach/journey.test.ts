// Daily Coach's closed loop (注册 → 记录 → 复盘 → 统计) as a new user: phone sign-up with supabase-js, five
// dimensions over several days, the nightly review and tomorrow's plan through the AI task path (fake model,
// then the model down → template), weekly and monthly stats against hand-computed numbers, and a second
// device pulling the same data through sync.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi } from '../fakes/openai.ts';
import { sendAtOnce, syncClockOf } from '../helpers/at-once.ts';
import { anonClient, freshPhone, lastSmsCode } from '../helpers/auth.ts';
import { adminSql } from '../helpers/db.ts';
import { pullAll } from '../helpers/sync-replica.ts';
import { call, envelope } from '../helpers/http.ts';
import { inProcessWorker } from '../helpers/in-process.ts';
import { createUser } from '../helpers/users.ts';
import { aiTaskFinished, runUntil, workerApp } from '../helpers/worker.ts';

const fake = await startFakeOpenAi();
afterAll(() => fake.close());
/** The worker app with the model played by the fake: reviews answer, plans find every model down. */
const worker = workerApp(inProcessWorker({
  AI_BASE_URL: fake.baseUrl,
  AI_API_KEY: 'sk-test',
  AI_RETRIES: '0',
  AI_RETRY_BASE_MS: '1',
  AI_TIMEOUT_MS: '2000',
  AI_MODELS: JSON.stringify({
    'coach.review': ['ok-coach'],
    'coach.tomorrow_plan': ['down-coach'],
    default: ['ok-coach'],
  }),
}));

/** The worker's turn for these tasks: each runs until it has finished. */
async function runTasks(...taskIds: string[]) {
  for (const id of taskIds) {
    await runUntil(worker, id, aiTaskFinished(id));
  }
}

const t = (token: string) => ({
  get: (path: string) => call('GET', `/coach${path}`, { token }),
  post: (path: string, json: unknown) => call('POST', `/coach${path}`, { token, json }),
  put: (path: string, json: unknown) => call('PUT', `/coach${path}`, { token, json }),
  del: (path: string) => call('DELETE', `/coach${path}`, { token }),
});

async function signUpByPhone() {
  const phone = freshPhone();
  const client = anonClient();
  expect((await client.auth.signInWithOtp({ phone })).error).toBeNull();
  const { data, error } = await client.auth.verifyOtp({ phone, token: await lastSmsCode(phone), type: 'sms' });
  expect(error).toBeNull();
  return { token: data.session!.access_token, userId: data.user!.id };
}

// Three days of 2026-W47 (Mon 16 – Sun 22 November), local times in Asia/Shanghai (the profile default).
const DAYS = {
  '2026-11-16': {
    workout: [30],
    meals: ['breakfast', 'lunch', 'dinner'],
    sleep: ['2026-11-15T23:00:00+08:00', '2026-11-16T06:00:00+08:00'],
    work: [120, 3],
    reading: 15,
  },
  '2026-11-17': {
    workout: [45],
    meals: ['breakfast', 'lunch'],
    sleep: ['2026-11-16T23:00:00+08:00', '2026-11-17T07:00:00+08:00'],
    work: [240, 5],
    reading: 20,
  },
  '2026-11-18': {
    workout: [],
    meals: ['dinner'],
    sleep: ['2026-11-18T00:30:00+08:00', '2026-11-18T06:30:00+08:00'],
    work: null,
    reading: 40,
  },
} as const;
// Goals: reading 20/day and 100/week (set below); workout 30/150, meals 3/21, sleep 8/56, work 240/1200 by default.
// Day score = round(20 × Σ min(amount / daily goal, 1)):
//   16th: 30/30 + 3/3 + 7/8 + 120/240 + 15/20 = 4.125 → 82.5 → 83
//   17th: 45/30→1 + 2/3 + 8/8 + 240/240 + 20/20 = 4.667 → 93
//   18th: 0 + 1/3 + 6/8 + 0 + 40/20→1 = 2.083 → 42
const SCORES = { '2026-11-16': 83, '2026-11-17': 93, '2026-11-18': 42 };

async function recordDays(api: ReturnType<typeof t>) {
  for (const [date, d] of Object.entries(DAYS)) {
    for (const minutes of d.workout) {
      expect(
        (await api.post('/records/workout', {
          date,
          workout_type: 'running',
          duration_minutes: minutes,
          intensity: 'medium',
          calories: minutes * 10,
        })).status,
      ).toBe(201);
    }
    for (const meal of d.meals) {
      expect(
        (await api.post('/records/meal', { date, meal_type: meal, description: `${meal} of ${date}`, calories: 500 }))
          .status,
      ).toBe(201);
    }
    // Sleep is dated by the local day of waking up: no date sent.
    const sleep = await api.post('/records/sleep', { bed_time: d.sleep[0], wake_time: d.sleep[1], quality: 4 });
    expect(sleep.body).toMatchObject({ date });
    if (d.work) {
      expect(
        (await api.post('/records/work', {
          date,
          focus_minutes: d.work[0],
          tasks_done: d.work[1],
          tasks: ['write report'],
        })).status,
      ).toBe(201);
    }
    const reading = await api.post('/records/reading', {
      date,
      book: '原则',
      minutes: d.reading,
      pages: d.reading,
      notes: 'pain + reflection = progress',
    });
    expect(reading.status).toBe(201);
  }
}

describe('Daily Coach: the closed loop', () => {
  it('register → record → review → stats, and a second device syncs the same data', { timeout: 60_000 }, async () => {
    const { token, userId } = await signUpByPhone();
    const api = t(token);
    const targets = await api.put('/settings/targets', {
      targets: [{ dimension: 'reading', daily_goal: 20, weekly_goal: 100 }],
    });
    expect(targets.status).toBe(200);
    expect(targets.body.targets.find((x: { dimension: string }) => x.dimension === 'reading')).toMatchObject({
      daily_goal: 20,
      weekly_goal: 100,
      is_default: false,
    });
    expect(targets.body.targets.find((x: { dimension: string }) => x.dimension === 'sleep')).toMatchObject({
      daily_goal: 8,
      weekly_goal: 56,
      unit: 'hours',
      is_default: true,
    });

    await recordDays(api);
    for (const [date, score] of Object.entries(SCORES)) {
      const day = await api.get(`/day-logs/${date}`);
      expect(day.status).toBe(200);
      expect(day.body, date).toMatchObject({ date, exists: true, score });
    }
    const day16 = (await api.get('/day-logs/2026-11-16')).body;
    expect(day16.records.meal.map((m: { meal_type: string }) => m.meal_type)).toEqual(['breakfast', 'lunch', 'dinner']);
    expect(day16.records.sleep[0]).toMatchObject({ quality: 4, date: '2026-11-16' });
    const workouts = (await api.get('/records/workout?from=2026-11-16&to=2026-11-17')).body;
    expect(workouts.items.map((w: { duration_minutes: number }) => w.duration_minutes)).toEqual([45, 30]);

    // Nightly review: the model answers; it is told the numbers (and not the note, which the user keeps private).
    await api.put('/settings/ai', {
      share_notes_with_ai: false,
      ai_style: { tone: 'direct', length: 'short', language: 'en' },
    });
    const noted = await api.put('/day-logs/2026-11-16', { note: 'secret: argued with my boss', mood: 3 });
    expect(noted.status).toBe(200);
    expect(noted.body).toMatchObject({
      date: '2026-11-16',
      exists: true,
      note: 'secret: argued with my boss',
      mood: 3,
    });
    expect(noted.body.records.meal).toHaveLength(3);
    const review = await api.post('/ai/review', { date: '2026-11-16' });
    expect(review.status).toBe(202);
    await runTasks(review.body.id);
    const reviewed = await api.get(`/ai/tasks/${review.body.id}`);
    expect(reviewed.body).toMatchObject({ status: 'completed', fallback: false });
    const sent = fake.calls.find((c) => JSON.stringify(c.messages).includes('2026-11-16'))!;
    expect(JSON.stringify(sent.messages)).toContain('Workout 30 min (goal 30)');
    expect(JSON.stringify(sent.messages)).not.toContain('secret');
    const afterReview = (await api.get('/day-logs/2026-11-16')).body;
    expect(afterReview).toMatchObject({ status: 'reviewed', note: 'secret: argued with my boss', mood: 3 });
    expect(afterReview.ai_report).toContain('answer from ok-coach');

    // Tomorrow's plan with the model down: the template plan from the day's numbers.
    const plan = await api.post('/ai/tomorrow-plan', { date: '2026-11-18' });
    await runTasks(plan.body.id);
    expect((await api.get(`/ai/tasks/${plan.body.id}`)).body).toMatchObject({ status: 'completed', fallback: true });
    // Weakest first: workout 0/30 and work 0/240 (both 0, in dimension order), then meals 1/3.
    expect((await api.get('/day-logs/2026-11-18')).body.ai_plan).toBe(
      'Plan for tomorrow:\n1. Reach your exercise goal (30)\n' +
        '2. Reach your focused work goal (240)\n3. Reach your regular meals goal (3)',
    );

    // Weekly stats, by hand: see DAYS and the goals above.
    const week = await api.get('/stats/weekly?week=2026-W47');
    expect(week.status).toBe(200);
    expect(week.body).toMatchObject({
      period: '2026-W47',
      from: '2026-11-16',
      to: '2026-11-22',
      days: 7,
      day_scores: [{ date: '2026-11-16', score: 83 }, { date: '2026-11-17', score: 93 }, {
        date: '2026-11-18',
        score: 42,
      }],
      average_score: 72.7,
      record_streak: 3,
    });
    expect(week.body.dimensions.workout).toEqual({
      total: 75,
      average_per_day: 10.71,
      records: 2,
      days_recorded: 2,
      days_goal_met: 2,
      daily_goal: 30,
      period_goal: 150,
      attainment: 0.5,
      best_streak: 2,
    });
    expect(week.body.dimensions.meal).toMatchObject({
      total: 6,
      records: 6,
      days_recorded: 3,
      days_goal_met: 1,
      period_goal: 21,
      attainment: 0.2857,
      best_streak: 3,
    });
    expect(week.body.dimensions.sleep).toMatchObject({
      total: 21,
      average_per_day: 3,
      days_goal_met: 1,
      period_goal: 56,
      attainment: 0.375,
      best_streak: 3,
    });
    expect(week.body.dimensions.work).toMatchObject({
      total: 360,
      days_recorded: 2,
      days_goal_met: 1,
      attainment: 0.3,
      best_streak: 2,
    });
    expect(week.body.dimensions.reading).toMatchObject({
      total: 75,
      days_goal_met: 2,
      period_goal: 100,
      attainment: 0.75,
      best_streak: 3,
    });

    // Its AI summary is made once per version of the week's data.
    expect(week.body.ai_summary).toMatchObject({ status: 'pending', text: null });
    await runTasks(week.body.ai_summary.task_id);
    const again = await api.get('/stats/weekly?week=2026-W47');
    expect(again.body.ai_summary).toMatchObject({ status: 'ready', task_id: week.body.ai_summary.task_id });
    expect(again.body.ai_summary.text).toContain('answer from ok-coach');
    expect((await api.get('/stats/weekly?week=2026-W47')).body.ai_summary.task_id).toBe(week.body.ai_summary.task_id);
    await api.post('/records/workout', { date: '2026-11-19', workout_type: 'yoga', duration_minutes: 20 });
    const changed = await api.get('/stats/weekly?week=2026-W47');
    expect(changed.body.ai_summary.status).toBe('pending');
    expect(changed.body.ai_summary.task_id).not.toBe(week.body.ai_summary.task_id);
    expect((await api.get('/stats/weekly?week=2026-W48')).body).toMatchObject({
      ai_summary: null,
      day_scores: [],
      average_score: null,
    });

    // The month: daily goals × 30 days.
    const month = await api.get('/stats/monthly?month=2026-11');
    expect(month.body).toMatchObject({ from: '2026-11-01', to: '2026-11-30', days: 30 });
    expect(month.body.dimensions.workout).toMatchObject({
      total: 95,
      period_goal: 900,
      attainment: 0.1056,
      average_per_day: 3.17,
    });
    expect(month.body.dimensions.reading).toMatchObject({ total: 75, period_goal: 600, attainment: 0.125 });

    // A second device (same account) pulls everything through sync and has exactly the server's rows.
    const replica = await pullAll(api.post, 'tablet', 7);
    const server = await adminSql()`
      select 'coach.day_logs/' || id as k, score from coach.day_logs where user_id = ${userId}
      union all select 'coach.workouts/' || id, null from coach.workouts where user_id = ${userId}
      union all select 'coach.meals/' || id, null from coach.meals where user_id = ${userId}
      union all select 'coach.sleeps/' || id, null from coach.sleeps where user_id = ${userId}
      union all select 'coach.work_notes/' || id, null from coach.work_notes where user_id = ${userId}
      union all select 'coach.readings/' || id, null from coach.readings where user_id = ${userId}
      union all select 'coach.targets/' || id, null from coach.targets where user_id = ${userId}
      union all select 'coach.settings/' || id, null from coach.settings where user_id = ${userId}`;
    expect([...replica.keys()].sort()).toEqual(server.map((r) => r.k as string).sort());
    expect(replica.get(`coach.day_logs/${day16.id}`)).toMatchObject({ score: 83, ai_report: afterReview.ai_report });
  });
});

describe('Daily Coach: bad input', () => {
  it("404: unknown dimension or another user's record; 400 with field details; 422: empty day's review", async () => {
    const a = t((await signUpByPhone()).token);
    const b = t((await signUpByPhone()).token);
    const unknown = await a.post('/records/swimming', { duration_minutes: 10 });
    expect(unknown.status).toBe(404);
    expect(envelope(unknown).code).toBe('NOT_FOUND');

    const wrongType = await a.post('/records/workout', { workout_type: 'run', duration_minutes: 'thirty' });
    expect(wrongType.status).toBe(400);
    expect(envelope(wrongType).details).toMatchObject([{ field: 'duration_minutes' }]);
    const outOfRange = await a.post('/records/sleep', {
      bed_time: '2026-11-20T23:00:00+08:00',
      wake_time: '2026-11-21T07:00:00+08:00',
      quality: 9,
    });
    expect(envelope(outOfRange).details).toMatchObject([{ field: 'quality' }]);
    const backwards = await a.post('/records/sleep', {
      bed_time: '2026-11-21T07:00:00+08:00',
      wake_time: '2026-11-20T23:00:00+08:00',
    });
    expect(backwards.status).toBe(400);
    expect((await a.post('/records/meal', { meal_type: 'brunch', description: 'x' })).status).toBe(400);
    expect((await a.post('/records/reading', { date: '2026-02-30', book: 'x', minutes: 1 })).status).toBe(400);
    expect((await a.get('/stats/weekly?week=2026-W54')).status).toBe(400);
    expect((await a.get('/day-logs/2026-13-01')).status).toBe(400);

    const mine = await a.post('/records/workout', { date: '2026-11-20', workout_type: 'run', duration_minutes: 30 });
    expect(mine.status).toBe(201);
    expect((await b.get(`/records/workout/${mine.body.id}`)).status).toBe(404);
    expect((await b.put(`/records/workout/${mine.body.id}`, { duration_minutes: 1 })).status).toBe(404);
    expect((await b.del(`/records/workout/${mine.body.id}`)).status).toBe(404);
    expect((await b.get('/day-logs/2026-11-20')).body).toMatchObject({ exists: false, score: null });
    expect((await a.get(`/records/workout/${mine.body.id}`)).body.duration_minutes).toBe(30);

    const empty = await a.post('/ai/review', { date: '2026-11-01' });
    expect(empty.status).toBe(422);
    expect(envelope(empty).message).toMatch(/Nothing is recorded on 2026-11-01/);
    // Another user's reading is not found; the owner's own is summarised (so the 404 is about whose it is).
    const reading = await a.post('/records/reading', { date: '2026-11-20', book: 'Walden', minutes: 20 });
    expect(reading.status).toBe(201);
    const theirs = await b.post('/ai/reading-summary', { reading_id: reading.body.id });
    expect(theirs.status).toBe(404);
    expect(envelope(theirs).code).toBe('NOT_FOUND');
    expect((await a.post('/ai/reading-summary', { reading_id: reading.body.id })).status).toBe(202);
  });

  it("keeps a meal photo only if it is the caller's, as stored: else 404, 422 UPLOAD_INVALID if unfit", async () => {
    const me = await signUpByPhone();
    const other = await signUpByPhone();
    const a = t(me.token);
    const uploaded = async (token: string) => {
      const issued = await call('POST', '/coach/files/upload-url', {
        token,
        json: { purpose: 'meal_photo', content_type: 'image/jpeg', size: 5 },
      });
      expect(
        (await fetch(issued.body.signed_url, {
          method: 'PUT',
          headers: { 'content-type': 'image/jpeg' },
          body: 'plate',
        })).status,
      ).toBe(200);
      return issued.body.path as string;
    };
    const meal = (photo_path: string, id?: string) => ({
      id,
      date: '2026-11-20',
      meal_type: 'lunch',
      description: 'noodles',
      photo_path,
    });

    expect((await a.post('/records/meal', meal(`coach/${me.userId}/meals/never-uploaded.jpg`))).status).toBe(404);
    expect((await a.post('/records/meal', meal(await uploaded(other.token), crypto.randomUUID()))).status).toBe(404);
    const photo = await uploaded(me.token);
    const created = await a.post('/records/meal', meal(photo));
    expect(created.status).toBe(201);
    expect(created.body.photo_path).toBe(photo);

    // What Storage recorded counts, not what the upload URL was asked for.
    const song = await uploaded(me.token);
    await adminSql()`update storage.objects set metadata = metadata || ${
      adminSql().json({ mimetype: 'audio/mpeg', size: 12 * 1024 * 1024 })
    } where bucket_id = 'uploads' and name = ${song}`;
    const changed = await a.put(`/records/meal/${created.body.id}`, { photo_path: song });
    expect(changed.status).toBe(422);
    expect(envelope(changed).code).toBe('UPLOAD_INVALID');
    expect((await a.get(`/records/meal/${created.body.id}`)).body.photo_path).toBe(photo);
  });

  it('edits and deletes rescore the day, and a create with the same client id is not a second record', async () => {
    const a = t((await signUpByPhone()).token);
    const id = crypto.randomUUID();
    const first = await a.post('/records/workout', {
      id,
      date: '2026-11-20',
      workout_type: 'run',
      duration_minutes: 15,
    });
    expect(first.body.day_score).toBe(10);
    const retry = await a.post('/records/workout', {
      id,
      date: '2026-11-20',
      workout_type: 'run',
      duration_minutes: 15,
    });
    expect(retry.status).toBe(200);
    expect((await a.get('/records/workout?from=2026-11-20&to=2026-11-20')).body.items).toHaveLength(1);
    expect((await a.put(`/records/workout/${id}`, { duration_minutes: 30 })).body).toMatchObject({
      duration_minutes: 30,
      day_score: 20,
    });
    expect((await a.del(`/records/workout/${id}`)).status).toBe(204);
    expect((await a.get(`/records/workout/${id}`)).status).toBe(404);
    expect((await a.get('/day-logs/2026-11-20')).body).toMatchObject({
      exists: true,
      score: null,
      records: { workout: [] },
    });
  });
});

describe('Daily Coach: retries', () => {
  it('one client id created 8 times at once is one record: one 201, seven 200, all with that record', async () => {
    const user = await createUser();
    const id = crypto.randomUUID();
    const answers = await sendAtOnce(
      syncClockOf(user.id),
      8,
      () =>
        t(user.token).post('/records/workout', { id, date: '2026-11-20', workout_type: 'run', duration_minutes: 15 }),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(answers[0].body).toMatchObject({ id, duration_minutes: 15, day_score: 10 });
    expect(answers.map((a) => a.body)).toEqual(Array(8).fill(answers[0].body));
    expect(await adminSql()`select id from coach.workouts where user_id = ${user.id}`).toEqual([{ id }]);
    expect((await t(user.token).get('/day-logs/2026-11-20')).body).toMatchObject({
      score: 10,
      records: { workout: [{ id }] },
    });
  });

  it("a client id of another user's or a deleted record is 409 CONFLICT, and neither record is touched", async () => {
    const [owner, other] = [await createUser(), await createUser()];
    const workout = { date: '2026-11-20', workout_type: 'run', duration_minutes: 15 };
    const theirs = (await t(other.token).post('/records/workout', { id: crypto.randomUUID(), ...workout })).body
      .id as string;
    const deleted = (await t(owner.token).post('/records/workout', { id: crypto.randomUUID(), ...workout })).body
      .id as string;
    expect((await t(owner.token).del(`/records/workout/${deleted}`)).status).toBe(204);
    for (const id of [theirs, deleted]) {
      const res = await t(owner.token).post('/records/workout', { id, ...workout, duration_minutes: 45 });
      expect(res.status, id).toBe(409);
      expect(envelope(res).code).toBe('CONFLICT');
    }
    const rows = await adminSql()`
      select id, user_id, duration_minutes, deleted_at is not null as deleted from coach.workouts
       where id in ${adminSql()([theirs, deleted])} order by deleted`;
    expect(rows).toEqual([
      { id: theirs, user_id: other.id, duration_minutes: 15, deleted: false },
      { id: deleted, user_id: owner.id, duration_minutes: 15, deleted: true },
    ]);
  });
});
