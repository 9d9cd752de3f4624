-- Daily Coach (seed: daily-coach.md §4.1): a day log per user and local date, five dimension tables linked to
-- the day, targets and settings — all syncable (client uuids, versions, tombstones) and owner-only. Rows that
-- exist once per user and key (the day of a date, the target of a dimension, the settings) have ids derived
-- from that key, so two offline devices creating "the same" row create the same row.

create or replace function coach.row_id(p_user_id uuid, p_key text) returns uuid
language sql
immutable
set search_path = ''
as $$ select extensions.uuid_generate_v5('0b6f4c3e-7d2a-4a8e-9f61-5c2d8e7a1b90'::uuid, p_user_id::text || '/' || p_key) $$;
comment on function coach.row_id(uuid, text) is
  'The id of a once-per-key coach row: day logs (key = the date, 2026-11-23), targets (target/<dimension>), settings (settings). Clients compute the same uuid v5.';
grant execute on function coach.row_id(uuid, text) to authenticated, service_role;

create or replace function coach.day_log_id(p_user_id uuid, p_date date) returns uuid
language sql
immutable
set search_path = ''
as $$ select coach.row_id(p_user_id, to_char(p_date, 'YYYY-MM-DD')) $$;
comment on function coach.day_log_id(uuid, date) is 'The id of a user''s day log: coach.row_id(user, ''YYYY-MM-DD'').';
grant execute on function coach.day_log_id(uuid, date) to authenticated, service_role;

-- Day logs ------------------------------------------------------------------------------------------------

create table coach.day_logs (
  id uuid primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  log_date date not null,
  score smallint check (score between 0 and 100),
  note text check (char_length(note) <= 2000),
  mood smallint check (mood between 1 and 5),
  status text not null default 'open' check (status in ('open', 'reviewed')),
  ai_report text,
  ai_plan text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted_at timestamptz,
  constraint day_logs_user_date unique (user_id, log_date),
  constraint day_logs_id_from_date check (id = coach.day_log_id(user_id, log_date))
);
comment on table coach.day_logs is
  'One per user and local date: the day score (coach.day_score), the user''s note and mood, the nightly AI review and tomorrow''s plan. Created by the first record of the day.';

-- Records -------------------------------------------------------------------------------------------------

create table coach.workouts (
  id uuid primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  log_date date not null,
  day_log_id uuid not null references coach.day_logs (id) on delete cascade,
  workout_type text not null check (char_length(workout_type) between 1 and 40),
  duration_minutes integer not null check (duration_minutes between 1 and 1440),
  intensity text not null default 'medium' check (intensity in ('low', 'medium', 'high')),
  calories integer check (calories between 0 and 10000),
  note text check (char_length(note) <= 1000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted_at timestamptz
);
comment on table coach.workouts is 'Workout records: type, minutes, intensity, calories burned.';

create table coach.meals (
  id uuid primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  log_date date not null,
  day_log_id uuid not null references coach.day_logs (id) on delete cascade,
  meal_type text not null check (meal_type in ('breakfast', 'lunch', 'dinner', 'snack')),
  description text not null check (char_length(description) between 1 and 500),
  calories integer check (calories between 0 and 10000),
  photo_path text check (char_length(photo_path) <= 300),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted_at timestamptz
);
comment on table coach.meals is 'Meal records: meal type, what was eaten, calories, an optional photo (uploads bucket).';

create table coach.sleeps (
  id uuid primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  -- The local date of waking up.
  log_date date not null,
  day_log_id uuid not null references coach.day_logs (id) on delete cascade,
  bed_time timestamptz not null,
  wake_time timestamptz not null,
  quality smallint check (quality between 1 and 5),
  note text check (char_length(note) <= 1000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted_at timestamptz,
  check (wake_time > bed_time and wake_time - bed_time <= interval '24 hours')
);
comment on table coach.sleeps is 'Sleep records, dated by the local day of waking: bed and wake time, quality 1–5.';

create table coach.work_notes (
  id uuid primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  log_date date not null,
  day_log_id uuid not null references coach.day_logs (id) on delete cascade,
  focus_minutes integer not null check (focus_minutes between 0 and 1440),
  tasks_done integer not null default 0 check (tasks_done between 0 and 1000),
  tasks text[] not null default '{}' check (cardinality(tasks) <= 50),
  note text check (char_length(note) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted_at timestamptz
);
comment on table coach.work_notes is 'Work records: focused minutes, tasks done (and their titles), a note.';

create table coach.readings (
  id uuid primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  log_date date not null,
  day_log_id uuid not null references coach.day_logs (id) on delete cascade,
  book text not null check (char_length(book) between 1 and 200),
  minutes integer not null check (minutes between 0 and 1440),
  pages integer check (pages between 0 and 5000),
  notes text check (char_length(notes) <= 4000),
  ai_summary text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted_at timestamptz
);
comment on table coach.readings is 'Reading records: book, minutes, pages, notes, and the AI reading summary when asked for.';

-- Targets and settings ------------------------------------------------------------------------------------

create table coach.targets (
  id uuid primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  dimension text not null check (dimension in ('workout', 'meal', 'sleep', 'work', 'reading')),
  daily_goal numeric(8, 2) not null check (daily_goal > 0),
  weekly_goal numeric(8, 2) not null check (weekly_goal > 0),
  updated_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted_at timestamptz,
  constraint targets_user_dimension unique (user_id, dimension),
  constraint targets_id_from_dimension check (id = coach.row_id(user_id, 'target/' || dimension))
);
comment on table coach.targets is
  'Daily and weekly goals per dimension, in the dimension''s unit: workout minutes, meals logged, sleep hours, focus minutes, reading minutes. Missing ones take coach.default_targets().';

create table coach.settings (
  id uuid primary key,
  user_id uuid not null default auth.uid() unique references auth.users (id) on delete cascade,
  reminders_enabled boolean not null default true,
  -- Local times in the user's timezone (public.profiles.timezone).
  record_reminder time,
  review_reminder time default '21:30',
  ai_style jsonb not null default '{}'::jsonb check (jsonb_typeof(ai_style) = 'object'),
  -- What the AI may see beyond numbers: the user's free-text notes.
  share_notes_with_ai boolean not null default true,
  updated_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted_at timestamptz,
  constraint settings_id_from_user check (id = coach.row_id(user_id, 'settings'))
);
comment on table coach.settings is 'Per user: reminder times (local), AI style (tone, length, language), privacy (may the AI read notes).';

create or replace function coach.default_targets() returns table (dimension text, daily_goal numeric, weekly_goal numeric)
language sql
immutable
set search_path = ''
as $$ values ('workout', 30, 150), ('meal', 3, 21), ('sleep', 8, 56), ('work', 240, 1200), ('reading', 30, 210) $$;
comment on function coach.default_targets() is 'Goals used where the user set none: workout 30 min/day, 3 meals, 8 h sleep, 240 focus minutes, 30 reading minutes.';
grant execute on function coach.default_targets() to authenticated, service_role;

-- RLS: owner-only, on every table ------------------------------------------------------------------------

do $$
declare
  v_table text;
begin
  foreach v_table in array array['day_logs', 'workouts', 'meals', 'sleeps', 'work_notes', 'readings', 'targets', 'settings'] loop
    execute format('alter table coach.%I enable row level security', v_table);
    execute format('revoke all on coach.%I from anon, authenticated, service_role', v_table);
    execute format('grant select, insert, update on coach.%I to authenticated', v_table);
    execute format('grant select on coach.%I to service_role', v_table);
    execute format('create policy "users can read own rows" on coach.%I for select to authenticated using (user_id = (select auth.uid()))', v_table);
    execute format('create policy "users can add own rows" on coach.%I for insert to authenticated with check (user_id = (select auth.uid()))', v_table);
    execute format('create policy "users can change own rows" on coach.%I for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()))', v_table);
    execute format('create policy "service role can read rows" on coach.%I for select to service_role using (true)', v_table);
    perform internal.enable_sync(format('coach.%I', v_table)::regclass, 'coach', 'last_write_wins');
  end loop;
end
$$;
-- Server-derived columns: clients never write them.
revoke update on coach.day_logs from authenticated;
grant update (note, mood, updated_at, deleted_at) on coach.day_logs to authenticated;
revoke update on coach.readings from authenticated;
grant update (log_date, book, minutes, pages, notes, updated_at, deleted_at) on coach.readings to authenticated;
revoke insert on coach.day_logs from authenticated;
grant insert (id, user_id, log_date, note, mood, updated_at) on coach.day_logs to authenticated;

create index workouts_day_idx on coach.workouts (user_id, log_date);
create index meals_day_idx on coach.meals (user_id, log_date);
create index sleeps_day_idx on coach.sleeps (user_id, log_date);
create index work_notes_day_idx on coach.work_notes (user_id, log_date);
create index readings_day_idx on coach.readings (user_id, log_date);
create index workouts_day_log_id_idx on coach.workouts (day_log_id);
create index meals_day_log_id_idx on coach.meals (day_log_id);
create index sleeps_day_log_id_idx on coach.sleeps (day_log_id);
create index work_notes_day_log_id_idx on coach.work_notes (day_log_id);
create index readings_day_log_id_idx on coach.readings (day_log_id);

-- The day score -------------------------------------------------------------------------------------------

create or replace function coach.day_actuals(p_user_id uuid, p_from date, p_to date)
returns table (log_date date, dimension text, amount numeric, records integer)
language sql
stable
security invoker
set search_path = ''
as $$
  select w.log_date, 'workout', sum(w.duration_minutes)::numeric, count(*)::int from coach.workouts w
   where w.user_id = p_user_id and w.log_date between p_from and p_to and w.deleted_at is null group by w.log_date
  union all
  select m.log_date, 'meal', count(*)::numeric, count(*)::int from coach.meals m
   where m.user_id = p_user_id and m.log_date between p_from and p_to and m.deleted_at is null group by m.log_date
  union all
  select s.log_date, 'sleep', round(sum(extract(epoch from s.wake_time - s.bed_time)) / 3600, 2), count(*)::int from coach.sleeps s
   where s.user_id = p_user_id and s.log_date between p_from and p_to and s.deleted_at is null group by s.log_date
  union all
  select n.log_date, 'work', sum(n.focus_minutes)::numeric, count(*)::int from coach.work_notes n
   where n.user_id = p_user_id and n.log_date between p_from and p_to and n.deleted_at is null group by n.log_date
  union all
  select r.log_date, 'reading', sum(r.minutes)::numeric, count(*)::int from coach.readings r
   where r.user_id = p_user_id and r.log_date between p_from and p_to and r.deleted_at is null group by r.log_date
$$;
comment on function coach.day_actuals(uuid, date, date) is
  'Per local date and dimension: the amount in the dimension''s unit (workout minutes, meals, sleep hours, focus minutes, reading minutes) and how many records.';
grant execute on function coach.day_actuals(uuid, date, date) to authenticated, service_role;

create or replace function coach.user_targets(p_user_id uuid)
returns table (dimension text, daily_goal numeric, weekly_goal numeric)
language sql
stable
security invoker
set search_path = ''
as $$
  select d.dimension, coalesce(t.daily_goal, d.daily_goal), coalesce(t.weekly_goal, d.weekly_goal)
    from coach.default_targets() d
    left join coach.targets t on t.user_id = p_user_id and t.dimension = d.dimension and t.deleted_at is null
$$;
comment on function coach.user_targets(uuid) is 'The user''s goals per dimension, defaults where they set none.';
grant execute on function coach.user_targets(uuid) to authenticated, service_role;

create or replace function coach.day_score(p_user_id uuid, p_date date) returns smallint
language sql
stable
security invoker
set search_path = ''
as $$
  -- Each dimension scores its attainment of the daily goal, capped at 1; the day is 20 points per dimension,
  -- rounded half up: 100 = every daily goal met. No records that day: no score.
  select case when count(a.dimension) = 0 then null
              else round(20 * sum(least(coalesce(a.amount, 0) / t.daily_goal, 1)))::smallint end
    from coach.user_targets(p_user_id) t
    left join coach.day_actuals(p_user_id, p_date, p_date) a on a.dimension = t.dimension
$$;
comment on function coach.day_score(uuid, date) is
  'The day score, 0–100: 20 × Σ over the five dimensions of min(amount / daily goal, 1), rounded; null without records.';
grant execute on function coach.day_score(uuid, date) to authenticated, service_role;

-- Records keep their day: the day log exists, is linked, and its score follows every change ------------------

create or replace function coach.record_link_day() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.day_log_id := coach.day_log_id(new.user_id, new.log_date);
  insert into coach.day_logs (id, user_id, log_date) values (new.day_log_id, new.user_id, new.log_date)
  on conflict (user_id, log_date) do update set deleted_at = null where coach.day_logs.deleted_at is not null;
  return new;
end
$$;
comment on function coach.record_link_day() is
  'Before a record is written: creates (or revives) its day log and links it. Security definer: only the backend writes day logs'' server columns; RLS on the record still checks the owner.';
revoke execute on function coach.record_link_day() from public;

create or replace function coach.refresh_day_score(p_user_id uuid, p_date date) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_score smallint := coach.day_score(p_user_id, p_date);
begin
  -- Only a real change writes (and so takes a new sync version).
  update coach.day_logs set score = v_score
   where user_id = p_user_id and log_date = p_date and score is distinct from v_score;
end
$$;
comment on function coach.refresh_day_score(uuid, date) is 'Recomputes a day''s score after its records changed.';
revoke execute on function coach.refresh_day_score(uuid, date) from public;

create or replace function coach.record_rescore_day() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op <> 'INSERT' then
    perform coach.refresh_day_score(old.user_id, old.log_date);
  end if;
  if tg_op = 'INSERT' or (tg_op = 'UPDATE' and (new.user_id, new.log_date) is distinct from (old.user_id, old.log_date)) then
    perform coach.refresh_day_score(new.user_id, new.log_date);
  end if;
  return null;
end
$$;
comment on function coach.record_rescore_day() is 'After a record changes: rescores its day (both days when it moved).';
revoke execute on function coach.record_rescore_day() from public;

create or replace function coach.target_rescore_days() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_day date;
begin
  -- New goals rescore the recent days (the last 31) that have records.
  for v_day in select d.log_date from coach.day_logs d where d.user_id = new.user_id and d.log_date >= current_date - 31 loop
    perform coach.refresh_day_score(new.user_id, v_day);
  end loop;
  return null;
end
$$;
comment on function coach.target_rescore_days() is 'After a goal changes: rescores the user''s last 31 days.';
revoke execute on function coach.target_rescore_days() from public;

do $$
declare
  v_table text;
begin
  foreach v_table in array array['workouts', 'meals', 'sleeps', 'work_notes', 'readings'] loop
    execute format('create trigger link_day before insert or update of log_date, user_id on coach.%I for each row execute function coach.record_link_day()', v_table);
    execute format('create trigger rescore_day after insert or update or delete on coach.%I for each row execute function coach.record_rescore_day()', v_table);
  end loop;
end
$$;
create trigger rescore_days after insert or update on coach.targets for each row execute function coach.target_rescore_days();

-- Period stats and their cached AI summaries ------------------------------------------------------------------

create or replace function coach.period_stats(p_from date, p_to date) returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  with days as (
    select d::date as log_date from generate_series(p_from, p_to, interval '1 day') d
  ), targets as (
    select * from coach.user_targets(auth.uid())
  ), actuals as (
    select * from coach.day_actuals(auth.uid(), p_from, p_to)
  ), grid as (
    select t.dimension, d.log_date, coalesce(a.amount, 0) as amount, coalesce(a.records, 0) as records, t.daily_goal, t.weekly_goal
      from targets t cross join days d
      left join actuals a on a.dimension = t.dimension and a.log_date = d.log_date
  ), runs as (
    -- Consecutive days with records: a day without one starts a new group.
    select dimension, log_date, records, log_date - (row_number() over (partition by dimension, records > 0 order by log_date))::int as grp from grid
  ), streaks as (
    select dimension, max(n) as best from (select dimension, grp, count(*) as n from runs where records > 0 group by dimension, grp) s group by dimension
  ), per_dimension as (
    select g.dimension,
           jsonb_build_object(
             'total', round(sum(g.amount), 2),
             'average_per_day', round(sum(g.amount) / count(*), 2),
             'records', sum(g.records),
             'days_recorded', count(*) filter (where g.records > 0),
             'days_goal_met', count(*) filter (where g.amount >= g.daily_goal),
             'daily_goal', max(g.daily_goal),
             'period_goal', case when count(*) = 7 then max(g.weekly_goal) else max(g.daily_goal) * count(*) end,
             'attainment', round(sum(g.amount) / case when count(*) = 7 then max(g.weekly_goal) else max(g.daily_goal) * count(*) end, 4),
             'best_streak', coalesce((select s.best from streaks s where s.dimension = g.dimension), 0)) as stats
      from grid g group by g.dimension
  )
  select jsonb_build_object(
    'from', p_from, 'to', p_to, 'days', (select count(*) from days),
    'dimensions', (select jsonb_object_agg(dimension, stats) from per_dimension),
    'day_scores', coalesce((select jsonb_agg(jsonb_build_object('date', l.log_date, 'score', l.score) order by l.log_date)
                              from coach.day_logs l where l.user_id = auth.uid() and l.log_date between p_from and p_to and l.deleted_at is null and l.score is not null), '[]'::jsonb),
    'average_score', (select round(avg(l.score), 1) from coach.day_logs l where l.user_id = auth.uid() and l.log_date between p_from and p_to and l.deleted_at is null and l.score is not null),
    'record_streak', (select coalesce(max(n), 0) from (select count(*) as n from (
                        select d.log_date, d.log_date - (row_number() over (order by d.log_date))::int as grp
                          from days d where exists (select 1 from grid g where g.log_date = d.log_date and g.records > 0)) x group by grp) y),
    -- Changes whenever a record, a day or a goal of the period changes: the AI summary is redone then.
    'fingerprint', md5(concat_ws('/',
       (select string_agg(concat(a.dimension, a.log_date, a.amount, a.records), ',' order by a.dimension, a.log_date) from actuals a),
       (select string_agg(concat(t.dimension, t.daily_goal, t.weekly_goal), ',' order by t.dimension) from targets t))))
$$;
comment on function coach.period_stats(date, date) is
  'The caller''s stats over a period (a week: weekly goals; otherwise daily goal × days): per dimension total, average per calendar day, records, days recorded, days the daily goal was met, attainment, best streak; day scores, their average, the longest run of days with any record; a fingerprint of the data.';
grant execute on function coach.period_stats(date, date) to authenticated;

create table coach.period_summaries (
  user_id uuid not null references auth.users (id) on delete cascade,
  period text not null check (period ~ '^\d{4}-(W\d{2}|\d{2})$'),
  fingerprint text not null,
  ai_task_id uuid references public.ai_tasks (id) on delete set null,
  summary text,
  updated_at timestamptz not null default now(),
  primary key (user_id, period)
);
comment on table coach.period_summaries is 'The AI summary of a week or month, kept until the period''s data changes (fingerprint).';
alter table coach.period_summaries enable row level security;
revoke all on coach.period_summaries from anon, authenticated, service_role;
grant select on coach.period_summaries to authenticated, service_role;
create policy "users can read own summaries" on coach.period_summaries for select to authenticated using (user_id = (select auth.uid()));
create policy "service role can read summaries" on coach.period_summaries for select to service_role using (true);
create index period_summaries_ai_task_id_idx on coach.period_summaries (ai_task_id);
create trigger period_summaries_set_updated_at before update on coach.period_summaries
  for each row execute function internal.set_updated_at();

create or replace function coach.period_summary_claim(p_user_id uuid, p_period text, p_fingerprint text, p_task_id uuid) returns void
language sql
security definer
set search_path = ''
as $$
  insert into coach.period_summaries (user_id, period, fingerprint, ai_task_id, summary)
  values (p_user_id, p_period, p_fingerprint, p_task_id, null)
  on conflict (user_id, period) do update set fingerprint = excluded.fingerprint, ai_task_id = excluded.ai_task_id, summary = null
$$;
comment on function coach.period_summary_claim(uuid, text, text, uuid) is 'Records that an AI summary for this version of the period''s data was asked for.';
revoke execute on function coach.period_summary_claim(uuid, text, text, uuid) from public;
grant execute on function coach.period_summary_claim(uuid, text, text, uuid) to service_role;

-- AI results land where the app reads them -----------------------------------------------------------------

create or replace function coach.apply_ai_result() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_text text := new.result ->> 'content';
begin
  if new.kind = 'coach.review' then
    update coach.day_logs set ai_report = v_text, status = 'reviewed' where id = (new.input ->> 'day_log_id')::uuid and user_id = new.user_id;
  elsif new.kind = 'coach.tomorrow_plan' then
    update coach.day_logs set ai_plan = v_text where id = (new.input ->> 'day_log_id')::uuid and user_id = new.user_id;
  elsif new.kind = 'coach.reading_summary' then
    update coach.readings set ai_summary = v_text where id = (new.input ->> 'reading_id')::uuid and user_id = new.user_id;
  elsif new.kind = 'coach.period_summary' then
    update coach.period_summaries set summary = v_text where user_id = new.user_id and ai_task_id = new.id;
  end if;
  return null;
end
$$;
comment on function coach.apply_ai_result() is 'When a coach AI task completes: the review and the plan go to the day, a reading summary to the reading, a period summary to its cache.';
revoke execute on function coach.apply_ai_result() from public;

create trigger coach_apply_ai_result after update of status on public.ai_tasks
  for each row when (new.app_id = 'coach' and new.status = 'completed' and old.status <> 'completed')
  execute function coach.apply_ai_result();

-- What the AI is told about a day: numbers per dimension against the goals, and the user's own words only
-- when they allow it (seed §7.6: only the fields the model needs).
create or replace function coach.day_brief(p_date date) returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  with share as (
    select coalesce((select s.share_notes_with_ai from coach.settings s where s.user_id = auth.uid() and s.deleted_at is null), true) as notes
  )
  select jsonb_build_object(
    'date', p_date,
    'day_log_id', coach.day_log_id(auth.uid(), p_date),
    'score', coach.day_score(auth.uid(), p_date),
    'goals', (select jsonb_object_agg(t.dimension, t.daily_goal) from coach.user_targets(auth.uid()) t),
    'workout', (select jsonb_build_object('minutes', sum(w.duration_minutes), 'sessions', count(*), 'types', jsonb_agg(distinct w.workout_type), 'calories', sum(w.calories))
                  from coach.workouts w where w.user_id = auth.uid() and w.log_date = p_date and w.deleted_at is null having count(*) > 0),
    'meal', (select jsonb_build_object('count', count(*), 'calories', sum(m.calories), 'types', jsonb_agg(m.meal_type order by m.created_at))
               from coach.meals m where m.user_id = auth.uid() and m.log_date = p_date and m.deleted_at is null having count(*) > 0),
    'sleep', (select jsonb_build_object('hours', round(sum(extract(epoch from s.wake_time - s.bed_time)) / 3600, 2), 'quality', round(avg(s.quality), 1))
                from coach.sleeps s where s.user_id = auth.uid() and s.log_date = p_date and s.deleted_at is null having count(*) > 0),
    'work', (select jsonb_build_object('focus_minutes', sum(n.focus_minutes), 'tasks_done', sum(n.tasks_done))
               from coach.work_notes n where n.user_id = auth.uid() and n.log_date = p_date and n.deleted_at is null having count(*) > 0),
    'reading', (select jsonb_build_object('minutes', sum(r.minutes), 'pages', sum(r.pages), 'books', jsonb_agg(distinct r.book))
                  from coach.readings r where r.user_id = auth.uid() and r.log_date = p_date and r.deleted_at is null having count(*) > 0),
    'note', (select l.note from coach.day_logs l, share where share.notes and l.user_id = auth.uid() and l.log_date = p_date and l.deleted_at is null))
$$;
comment on function coach.day_brief(date) is 'The caller''s day as the AI sees it: score, goals, per-dimension totals, and the day note if the user shares notes with the AI.';
grant execute on function coach.day_brief(date) to authenticated;

-- The day view in one statement (GET /coach/day-logs/{date}, the apps' most frequent read).
create or replace function coach.day_view(p_date date) returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  -- plpgsql, not sql: its statements' plans are cached per session instead of planned on every call.
  return jsonb_build_object(
    'id', coach.day_log_id((select auth.uid()), p_date),
    'log', (select to_jsonb(l) from coach.day_logs l where l.user_id = (select auth.uid()) and l.log_date = p_date and l.deleted_at is null),
    'records', jsonb_build_object(
      'workout', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from coach.workouts r where r.user_id = (select auth.uid()) and r.log_date = p_date and r.deleted_at is null), '[]'::jsonb),
      'meal', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from coach.meals r where r.user_id = (select auth.uid()) and r.log_date = p_date and r.deleted_at is null), '[]'::jsonb),
      'sleep', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from coach.sleeps r where r.user_id = (select auth.uid()) and r.log_date = p_date and r.deleted_at is null), '[]'::jsonb),
      'work', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from coach.work_notes r where r.user_id = (select auth.uid()) and r.log_date = p_date and r.deleted_at is null), '[]'::jsonb),
      'reading', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from coach.readings r where r.user_id = (select auth.uid()) and r.log_date = p_date and r.deleted_at is null), '[]'::jsonb)));
end
$$;
comment on function coach.day_view(date) is 'The caller''s day: its derived id, the day log (null before anything is recorded) and every live record per dimension, oldest first.';
grant execute on function coach.day_view(date) to authenticated;
