// Benchmark data, set-based: 1,000 users, each with 90 days of Daily Coach records (a day log and seven records
// a day), a PicKitchen wallet with history and a stock of points, a passed face detection of a photo, and 20
// finished emoji tasks. Rows are written with triggers off and given the versions and scores the triggers would
// have given them, so seeding takes seconds, not the minutes 700,000 trigger calls would.
import type postgres from 'postgres';

export const BENCH_USERS = 1000;
export const BENCH_DAYS = 90;
// User n's id is md5('bench-user-' || n)::uuid, so pgbench scripts can name a user by number.

export async function seedBench(sql: postgres.Sql, log: (m: string) => void = () => {}): Promise<{ users: string[] }> {
  let t = Date.now();
  const lap = (what: string) => {
    log(`seed: ${what} ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
  };
  await sql.begin(async (tx) => {
    await tx`
      insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
      select md5('bench-user-' || n)::uuid, 'authenticated', 'authenticated', 'bench' || n || '@bench.invalid',
             '{"provider":"email"}', '{}', now(), now()
        from generate_series(1, ${BENCH_USERS}) n`;
    // Records without their triggers: versions and scores are set below as the triggers would set them.
    await tx`set local session_replication_role = replica`;
    await tx`
      insert into coach.day_logs (id, user_id, log_date, version)
      select coach.day_log_id(u.id, current_date - d), u.id, current_date - d, 90 - d
        from (select md5('bench-user-' || n)::uuid as id from generate_series(1, ${BENCH_USERS}) n) u,
             generate_series(0, ${BENCH_DAYS - 1}) d`;
    const days = tx`(
      select l.user_id, l.log_date, l.id as day_log_id, 90 - (current_date - l.log_date) as k,
             abs(hashtext(l.id::text)) as h
        from coach.day_logs l)`;
    await tx`
      insert into coach.workouts
             (id, user_id, log_date, day_log_id, workout_type, duration_minutes, intensity, calories, version)
      select gen_random_uuid(), user_id, log_date, day_log_id, (array['running','cycling','yoga','gym'])[1 + h % 4],
             15 + h % 45, 'medium', 100 + h % 300, 1000 + k
        from ${days} x`;
    await tx`
      insert into coach.meals (id, user_id, log_date, day_log_id, meal_type, description, calories, version)
      select gen_random_uuid(), user_id, log_date, day_log_id, m.t, m.t || ' of the day', 400 + h % 400,
             2000 + k * 3 + m.i
        from ${days} x, (values (0, 'breakfast'), (1, 'lunch'), (2, 'dinner')) m (i, t)`;
    await tx`
      insert into coach.sleeps (id, user_id, log_date, day_log_id, bed_time, wake_time, quality, version)
      select gen_random_uuid(), user_id, log_date, day_log_id,
             log_date - interval '1 hour' - (h % 90) * interval '1 minute', log_date + interval '7 hours',
             1 + h % 5, 3000 + k
        from ${days} x`;
    await tx`
      insert into coach.work_notes (id, user_id, log_date, day_log_id, focus_minutes, tasks_done, version)
      select gen_random_uuid(), user_id, log_date, day_log_id, 60 + h % 240, h % 8, 4000 + k from ${days} x`;
    await tx`
      insert into coach.readings (id, user_id, log_date, day_log_id, book, minutes, pages, version)
      select gen_random_uuid(), user_id, log_date, day_log_id, 'Book ' || (h % 50), 10 + h % 50, 5 + h % 40,
             5000 + k
        from ${days} x`;
    await tx`
      insert into internal.sync_clocks (user_id, version)
      select md5('bench-user-' || n)::uuid, 6000 from generate_series(1, ${BENCH_USERS}) n`;
    await tx`set local session_replication_role = origin`;
  });
  lap('users and records');
  // Scores as coach.day_score computes them, set-based (the bench users keep the default goals); bench.ts checks a
  // sample against coach.day_score itself. Sync versions stay: the trigger-free session keeps them.
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`
      with amounts as (
        select user_id, log_date, 'workout' as dimension, sum(duration_minutes)::numeric as amount
          from coach.workouts group by 1, 2
        union all select user_id, log_date, 'meal', count(*) from coach.meals group by 1, 2
        union all select user_id, log_date, 'sleep', round(sum(extract(epoch from wake_time - bed_time)) / 3600, 2)
          from coach.sleeps group by 1, 2
        union all select user_id, log_date, 'work', sum(focus_minutes) from coach.work_notes group by 1, 2
        union all select user_id, log_date, 'reading', sum(minutes) from coach.readings group by 1, 2
      ), scores as (
        select a.user_id, a.log_date, round(20 * sum(least(a.amount / t.daily_goal, 1)))::smallint as score
          from amounts a join coach.default_targets() t on t.dimension = a.dimension group by 1, 2
      )
      update coach.day_logs l set score = s.score
        from scores s
       where l.user_id = s.user_id and l.log_date = s.log_date`;
  });
  lap('day scores');
  // Wallets: 20 entries of history each, through the ledger function, and points enough for every repeat of the
  // spends and emoji creates: at 3 repeats the hot account alone is spent ~0.8 million times (API and pgbench).
  await sql.begin(async (tx) => {
    await tx`select set_config('role', 'service_role', true)`;
    await tx`
      select public.wallet_post('pickitchen', md5('bench-user-' || n)::uuid, 'points',
                                case when i = 1 then 100000000 else -10 end,
                                case when i = 1 then 'purchase' else 'consume' end, 'bench history',
                                'bench-' || n || '-' || i)
        from generate_series(1, ${BENCH_USERS}) n, generate_series(1, 20) i order by n, i`;
  });
  lap('wallets');
  // PicKitchen: a stored photo with a passed detection, and a history of finished tasks.
  await sql.begin(async (tx) => {
    const photo = tx`'pickitchen/' || md5('bench-user-' || n)::uuid || '/sources/bench.jpg'`;
    await tx`
      insert into storage.objects (bucket_id, name, owner, owner_id, metadata)
      select 'uploads', ${photo}, md5('bench-user-' || n)::uuid, md5('bench-user-' || n)::uuid::text,
             '{"mimetype":"image/jpeg","size":4}'
        from generate_series(1, ${BENCH_USERS}) n`;
    await tx`
      insert into pickitchen.emoji_detections (user_id, image_path, passed, face_bbox, ext_bbox, provider)
      select md5('bench-user-' || n)::uuid, ${photo}, true, '{212,194,460,441}', '{63,30,609,575}', 'bench'
        from generate_series(1, ${BENCH_USERS}) n`;
    await tx`
      insert into pickitchen.emoji_tasks
             (user_id, image_path, driven_id, style_name, points_cost, status, deadline_at, completed_at, created_at)
      select md5('bench-user-' || n)::uuid, ${photo}, 'mengwa_kaixin', '开心', 10, 'completed', now(),
             now() - i * interval '1 hour', now() - i * interval '1 hour'
        from generate_series(1, ${BENCH_USERS}) n, generate_series(1, 20) i`;
  });
  lap('pickitchen');
  // As a long-running database would be: statistics current, visibility map set.
  await sql`vacuum (analyze)`;
  lap('vacuum');
  const [{ wrong }] = await sql`
    select count(*)::int as wrong from (select * from coach.day_logs tablesample bernoulli (1)) l
     where l.score is distinct from coach.day_score(l.user_id, l.log_date)`;
  if (wrong > 0) throw new Error(`seeded day scores differ from coach.day_score on ${wrong} sampled days`);
  const users = await sql<
    { id: string }[]
  >`select md5('bench-user-' || n)::uuid::text as id from generate_series(1, ${BENCH_USERS}) n order by n`;
  return { users: users.map((u) => u.id) };
}
