-- Coach (Life Coach app): day logs and their records, targets, settings, scores and AI period summaries.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function coach.apply_ai_result() returns trigger
    language plpgsql security definer
    set search_path to ''
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

revoke all on function coach.apply_ai_result() from public;

create function coach.day_actuals(p_user_id uuid, p_from date, p_to date) returns table(log_date date, dimension text, amount numeric, records integer)
    language plpgsql stable
    set search_path to ''
    as $$
begin
  return query
  select w.log_date, 'workout'::text, sum(w.duration_minutes)::numeric, count(*)::int from coach.workouts w
   where w.user_id = p_user_id and w.log_date between p_from and p_to and w.deleted_at is null group by w.log_date
  union all
  select m.log_date, 'meal'::text, count(*)::numeric, count(*)::int from coach.meals m
   where m.user_id = p_user_id and m.log_date between p_from and p_to and m.deleted_at is null group by m.log_date
  union all
  select s.log_date, 'sleep'::text, round(sum(extract(epoch from s.wake_time - s.bed_time)) / 3600, 2), count(*)::int from coach.sleeps s
   where s.user_id = p_user_id and s.log_date between p_from and p_to and s.deleted_at is null group by s.log_date
  union all
  select n.log_date, 'work'::text, sum(n.focus_minutes)::numeric, count(*)::int from coach.work_notes n
   where n.user_id = p_user_id and n.log_date between p_from and p_to and n.deleted_at is null group by n.log_date
  union all
  select r.log_date, 'reading'::text, sum(r.minutes)::numeric, count(*)::int from coach.readings r
   where r.user_id = p_user_id and r.log_date between p_from and p_to and r.deleted_at is null group by r.log_date;
end
$$;

comment on function coach.day_actuals(p_user_id uuid, p_from date, p_to date) is 'Per local date and dimension: the amount in the dimension''s unit (workout minutes, meals, sleep hours, focus minutes, reading minutes) and how many records.';

grant all on function coach.day_actuals(p_user_id uuid, p_from date, p_to date) to authenticated;
grant all on function coach.day_actuals(p_user_id uuid, p_from date, p_to date) to service_role;

create function coach.day_brief(p_date date) returns jsonb
    language sql stable
    set search_path to ''
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

comment on function coach.day_brief(p_date date) is 'The caller''s day as the AI sees it: score, goals, per-dimension totals, and the day note if the user shares notes with the AI.';

grant all on function coach.day_brief(p_date date) to authenticated;

create function coach.day_log_id(p_user_id uuid, p_date date) returns uuid
    language plpgsql immutable
    set search_path to ''
    as $$
begin
  return coach.row_id(p_user_id, to_char(p_date, 'YYYY-MM-DD'));
end
$$;

comment on function coach.day_log_id(p_user_id uuid, p_date date) is 'The id of a user''s day log: coach.row_id(user, ''YYYY-MM-DD'').';

grant all on function coach.day_log_id(p_user_id uuid, p_date date) to authenticated;
grant all on function coach.day_log_id(p_user_id uuid, p_date date) to service_role;

create function coach.day_score(p_user_id uuid, p_date date) returns smallint
    language plpgsql stable
    set search_path to ''
    as $$
begin
  -- Each dimension scores its attainment of the daily goal, capped at 1; the day is 20 points per dimension,
  -- rounded half up: 100 = every daily goal met. No records that day: no score.
  return (
    select case when count(a.dimension) = 0 then null
                else round(20 * sum(least(coalesce(a.amount, 0) / t.daily_goal, 1)))::smallint end
      from coach.user_targets(p_user_id) t
      left join coach.day_actuals(p_user_id, p_date, p_date) a on a.dimension = t.dimension);
end
$$;

comment on function coach.day_score(p_user_id uuid, p_date date) is 'The day score, 0–100: 20 × Σ over the five dimensions of min(amount / daily goal, 1), rounded; null without records.';

grant all on function coach.day_score(p_user_id uuid, p_date date) to authenticated;
grant all on function coach.day_score(p_user_id uuid, p_date date) to service_role;

create function coach.day_view(p_date date) returns json
    language plpgsql stable
    set search_path to ''
    as $$
declare
  v_uid uuid := auth.uid();
  v_id uuid;
  v_log json;
begin
  select l.id, to_json(l) into v_id, v_log from coach.day_logs l where l.user_id = v_uid and l.log_date = p_date and l.deleted_at is null;
  return json_build_object(
    'id', coalesce(v_id, coach.day_log_id(v_uid, p_date)),
    'log', v_log,
    'records', json_build_object(
      'workout', coalesce((select json_agg(r order by r.created_at) from coach.workouts r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::json),
      'meal', coalesce((select json_agg(r order by r.created_at) from coach.meals r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::json),
      'sleep', coalesce((select json_agg(r order by r.created_at) from coach.sleeps r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::json),
      'work', coalesce((select json_agg(r order by r.created_at) from coach.work_notes r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::json),
      'reading', coalesce((select json_agg(r order by r.created_at) from coach.readings r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::json)));
end
$$;

comment on function coach.day_view(p_date date) is 'The caller''s day: its derived id, the day log (null before anything is recorded) and every live record per dimension, oldest first.';

grant all on function coach.day_view(p_date date) to authenticated;

create function coach.default_targets() returns table(dimension text, daily_goal numeric, weekly_goal numeric)
    language plpgsql immutable
    set search_path to ''
    as $$
begin
  return query values ('workout'::text, 30::numeric, 150::numeric), ('meal', 3, 21), ('sleep', 8, 56), ('work', 240, 1200), ('reading', 30, 210);
end
$$;

comment on function coach.default_targets() is 'Goals used where the user set none: workout 30 min/day, 3 meals, 8 h sleep, 240 focus minutes, 30 reading minutes.';

grant all on function coach.default_targets() to authenticated;
grant all on function coach.default_targets() to service_role;

create function coach.period_stats(p_from date, p_to date) returns jsonb
    language sql stable
    set search_path to ''
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

comment on function coach.period_stats(p_from date, p_to date) is 'The caller''s stats over a period (a week: weekly goals; otherwise daily goal × days): per dimension total, average per calendar day, records, days recorded, days the daily goal was met, attainment, best streak; day scores, their average, the longest run of days with any record; a fingerprint of the data.';

grant all on function coach.period_stats(p_from date, p_to date) to authenticated;

create function coach.period_summary_claim(p_user_id uuid, p_period text, p_fingerprint text, p_task_id uuid) returns void
    language sql security definer
    set search_path to ''
    as $$
  insert into coach.period_summaries (user_id, period, fingerprint, ai_task_id, summary)
  values (p_user_id, p_period, p_fingerprint, p_task_id, null)
  on conflict (user_id, period) do update set fingerprint = excluded.fingerprint, ai_task_id = excluded.ai_task_id, summary = null
$$;

comment on function coach.period_summary_claim(p_user_id uuid, p_period text, p_fingerprint text, p_task_id uuid) is 'Records that an AI summary for this version of the period''s data was asked for.';

revoke all on function coach.period_summary_claim(p_user_id uuid, p_period text, p_fingerprint text, p_task_id uuid) from public;
grant all on function coach.period_summary_claim(p_user_id uuid, p_period text, p_fingerprint text, p_task_id uuid) to service_role;

create function coach.record_link_day() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  new.day_log_id := coach.day_log_id(new.user_id, new.log_date);
  if not exists (select from coach.day_logs d where d.id = new.day_log_id and d.deleted_at is null) then
    insert into coach.day_logs (id, user_id, log_date) values (new.day_log_id, new.user_id, new.log_date)
    on conflict (user_id, log_date) do update set deleted_at = null where coach.day_logs.deleted_at is not null;
  end if;
  return new;
end
$$;

comment on function coach.record_link_day() is 'Before a record is inserted or its owner, date or day_log_id is written: derives day_log_id from owner and date (whatever was sent), and creates (or revives) that day log. Security definer: only the backend writes day logs'' server columns; RLS on the record still checks the owner.';

revoke all on function coach.record_link_day() from public;

create function coach.record_rescore_day() returns trigger
    language plpgsql security definer
    set search_path to ''
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

revoke all on function coach.record_rescore_day() from public;

create function coach.refresh_day_score(p_user_id uuid, p_date date) returns void
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_score smallint := coach.day_score(p_user_id, p_date);
begin
  -- Only a real change writes (and so takes a new sync version).
  update coach.day_logs set score = v_score
   where user_id = p_user_id and log_date = p_date and score is distinct from v_score;
end
$$;

comment on function coach.refresh_day_score(p_user_id uuid, p_date date) is 'Recomputes a day''s score after its records changed.';

revoke all on function coach.refresh_day_score(p_user_id uuid, p_date date) from public;

create function coach.row_id(p_user_id uuid, p_key text) returns uuid
    language plpgsql immutable
    set search_path to ''
    as $$
begin
  return extensions.uuid_generate_v5('0b6f4c3e-7d2a-4a8e-9f61-5c2d8e7a1b90'::uuid, p_user_id::text || '/' || p_key);
end
$$;

comment on function coach.row_id(p_user_id uuid, p_key text) is 'The id of a once-per-key coach row: day logs (key = the date, 2026-11-23), targets (target/<dimension>), settings (settings). Clients compute the same uuid v5.';

grant all on function coach.row_id(p_user_id uuid, p_key text) to authenticated;
grant all on function coach.row_id(p_user_id uuid, p_key text) to service_role;

create function coach.stored_day_score(p_date date) returns smallint
    language plpgsql stable
    set search_path to ''
    as $$
begin
  return (select l.score from coach.day_logs l where l.user_id = auth.uid() and l.log_date = p_date and l.deleted_at is null);
end
$$;

comment on function coach.stored_day_score(p_date date) is 'The calling user''s stored score of a day (null: no live log, or nothing scored). Invoker: RLS applies.';

revoke all on function coach.stored_day_score(p_date date) from public;
grant all on function coach.stored_day_score(p_date date) to authenticated;

create function coach.target_rescore_days() returns trigger
    language plpgsql security definer
    set search_path to ''
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

revoke all on function coach.target_rescore_days() from public;

create function coach.user_targets(p_user_id uuid) returns table(dimension text, daily_goal numeric, weekly_goal numeric)
    language plpgsql stable
    set search_path to ''
    as $$
begin
  return query
  select d.dimension, coalesce(t.daily_goal, d.daily_goal), coalesce(t.weekly_goal, d.weekly_goal)
    from coach.default_targets() d
    left join coach.targets t on t.user_id = p_user_id and t.dimension = d.dimension and t.deleted_at is null;
end
$$;

comment on function coach.user_targets(p_user_id uuid) is 'The user''s goals per dimension, defaults where they set none.';

grant all on function coach.user_targets(p_user_id uuid) to authenticated;
grant all on function coach.user_targets(p_user_id uuid) to service_role;

-- coach.day_logs ----------------------------------------------------------------------------------------------------

create table coach.day_logs (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    score smallint,
    note text,
    mood smallint,
    status text default 'open'::text not null,
    ai_report text,
    ai_plan text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint day_logs_id_from_date check ((id = coach.day_log_id(user_id, log_date))),
    constraint day_logs_mood_check check (((mood >= 1) and (mood <= 5))),
    constraint day_logs_note_check check ((char_length(note) <= 2000)),
    constraint day_logs_score_check check (((score >= 0) and (score <= 100))),
    constraint day_logs_status_check check ((status = any (array['open'::text, 'reviewed'::text])))
);

comment on table coach.day_logs is 'One per user and local date: the day score (coach.day_score), the user''s note and mood, the nightly AI review and tomorrow''s plan. Created by the first record of the day.';

alter table only coach.day_logs
    add constraint day_logs_pkey primary key (id);

alter table only coach.day_logs
    add constraint day_logs_user_date unique (user_id, log_date);

create index coach_day_logs_deleted_at_idx on coach.day_logs using btree (deleted_at) where (deleted_at is not null);

create index coach_day_logs_sync_idx on coach.day_logs using btree (user_id, version);

create trigger sync_stamp before insert or update on coach.day_logs for each row execute function internal.sync_stamp();

alter table only coach.day_logs
    add constraint day_logs_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table coach.day_logs enable row level security;

create policy "service role can read rows" on coach.day_logs for select to service_role using (true);

create policy "users can add own rows" on coach.day_logs for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.day_logs for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.day_logs for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.day_logs to authenticated;
grant select on table coach.day_logs to service_role;

grant insert(id) on table coach.day_logs to authenticated;

grant insert(user_id) on table coach.day_logs to authenticated;

grant insert(log_date) on table coach.day_logs to authenticated;

grant insert(note),update(note) on table coach.day_logs to authenticated;

grant insert(mood),update(mood) on table coach.day_logs to authenticated;

grant insert(updated_at),update(updated_at) on table coach.day_logs to authenticated;

grant update(deleted_at) on table coach.day_logs to authenticated;

-- coach.meals -------------------------------------------------------------------------------------------------------

create table coach.meals (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    day_log_id uuid not null,
    meal_type text not null,
    description text not null,
    calories integer,
    photo_path text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint meals_calories_check check (((calories >= 0) and (calories <= 10000))),
    constraint meals_description_check check (((char_length(description) >= 1) and (char_length(description) <= 500))),
    constraint meals_meal_type_check check ((meal_type = any (array['breakfast'::text, 'lunch'::text, 'dinner'::text, 'snack'::text]))),
    constraint meals_photo_path_check check ((char_length(photo_path) <= 300))
);

comment on table coach.meals is 'Meal records: meal type, what was eaten, calories, an optional photo (uploads bucket).';

alter table only coach.meals
    add constraint meals_pkey primary key (id);

create index coach_meals_deleted_at_idx on coach.meals using btree (deleted_at) where (deleted_at is not null);

create index coach_meals_sync_idx on coach.meals using btree (user_id, version);

create index meals_day_idx on coach.meals using btree (user_id, log_date);

create index meals_day_log_id_idx on coach.meals using btree (day_log_id);

create trigger link_day before insert or update of log_date, user_id, day_log_id on coach.meals for each row execute function coach.record_link_day();

create trigger rescore_day after insert or delete or update on coach.meals for each row execute function coach.record_rescore_day();

create trigger sync_stamp before insert or update on coach.meals for each row execute function internal.sync_stamp();

alter table only coach.meals
    add constraint meals_day_log_id_fkey foreign key (day_log_id) references coach.day_logs(id) on delete cascade;

alter table only coach.meals
    add constraint meals_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table coach.meals enable row level security;

create policy "service role can read rows" on coach.meals for select to service_role using (true);

create policy "users can add own rows" on coach.meals for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.meals for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.meals for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.meals to authenticated;
grant select on table coach.meals to service_role;

grant insert(id) on table coach.meals to authenticated;

grant insert(user_id) on table coach.meals to authenticated;

grant insert(log_date),update(log_date) on table coach.meals to authenticated;

grant insert(meal_type),update(meal_type) on table coach.meals to authenticated;

grant insert(description),update(description) on table coach.meals to authenticated;

grant insert(calories),update(calories) on table coach.meals to authenticated;

grant insert(photo_path),update(photo_path) on table coach.meals to authenticated;

grant insert(updated_at),update(updated_at) on table coach.meals to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.meals to authenticated;

-- coach.period_summaries --------------------------------------------------------------------------------------------

create table coach.period_summaries (
    user_id uuid not null,
    period text not null,
    fingerprint text not null,
    ai_task_id uuid,
    summary text,
    updated_at timestamp with time zone default now() not null,
    constraint period_summaries_period_check check ((period ~ '^\d{4}-(W\d{2}|\d{2})$'::text))
);

comment on table coach.period_summaries is 'The AI summary of a week or month, kept until the period''s data changes (fingerprint).';

alter table only coach.period_summaries
    add constraint period_summaries_pkey primary key (user_id, period);

create index period_summaries_ai_task_id_idx on coach.period_summaries using btree (ai_task_id);

create trigger period_summaries_set_updated_at before update on coach.period_summaries for each row execute function internal.set_updated_at();

alter table only coach.period_summaries
    add constraint period_summaries_ai_task_id_fkey foreign key (ai_task_id) references public.ai_tasks(id) on delete set null;

alter table only coach.period_summaries
    add constraint period_summaries_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table coach.period_summaries enable row level security;

create policy "service role can read summaries" on coach.period_summaries for select to service_role using (true);

create policy "users can read own summaries" on coach.period_summaries for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.period_summaries to authenticated;
grant select on table coach.period_summaries to service_role;

-- coach.readings ----------------------------------------------------------------------------------------------------

create table coach.readings (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    day_log_id uuid not null,
    book text not null,
    minutes integer not null,
    pages integer,
    notes text,
    ai_summary text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint readings_book_check check (((char_length(book) >= 1) and (char_length(book) <= 200))),
    constraint readings_minutes_check check (((minutes >= 0) and (minutes <= 1440))),
    constraint readings_notes_check check ((char_length(notes) <= 4000)),
    constraint readings_pages_check check (((pages >= 0) and (pages <= 5000)))
);

comment on table coach.readings is 'Reading records: book, minutes, pages, notes, and the AI reading summary when asked for.';

alter table only coach.readings
    add constraint readings_pkey primary key (id);

create index coach_readings_deleted_at_idx on coach.readings using btree (deleted_at) where (deleted_at is not null);

create index coach_readings_sync_idx on coach.readings using btree (user_id, version);

create index readings_day_idx on coach.readings using btree (user_id, log_date);

create index readings_day_log_id_idx on coach.readings using btree (day_log_id);

create trigger link_day before insert or update of log_date, user_id, day_log_id on coach.readings for each row execute function coach.record_link_day();

create trigger rescore_day after insert or delete or update on coach.readings for each row execute function coach.record_rescore_day();

create trigger sync_stamp before insert or update on coach.readings for each row execute function internal.sync_stamp();

alter table only coach.readings
    add constraint readings_day_log_id_fkey foreign key (day_log_id) references coach.day_logs(id) on delete cascade;

alter table only coach.readings
    add constraint readings_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table coach.readings enable row level security;

create policy "service role can read rows" on coach.readings for select to service_role using (true);

create policy "users can add own rows" on coach.readings for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.readings for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.readings for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.readings to authenticated;
grant select on table coach.readings to service_role;

grant insert(id) on table coach.readings to authenticated;

grant insert(user_id) on table coach.readings to authenticated;

grant insert(log_date),update(log_date) on table coach.readings to authenticated;

grant insert(book),update(book) on table coach.readings to authenticated;

grant insert(minutes),update(minutes) on table coach.readings to authenticated;

grant insert(pages),update(pages) on table coach.readings to authenticated;

grant insert(notes),update(notes) on table coach.readings to authenticated;

grant insert(updated_at),update(updated_at) on table coach.readings to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.readings to authenticated;

-- coach.settings ----------------------------------------------------------------------------------------------------

create table coach.settings (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    reminders_enabled boolean default true not null,
    record_reminder time without time zone,
    review_reminder time without time zone default '21:30:00'::time without time zone,
    ai_style jsonb default '{}'::jsonb not null,
    share_notes_with_ai boolean default true not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint settings_ai_style_check check ((jsonb_typeof(ai_style) = 'object'::text)),
    constraint settings_id_from_user check ((id = coach.row_id(user_id, 'settings'::text)))
);

comment on table coach.settings is 'Per user: reminder times (local), AI style (tone, length, language), privacy (may the AI read notes).';

alter table only coach.settings
    add constraint settings_pkey primary key (id);

alter table only coach.settings
    add constraint settings_user_id_key unique (user_id);

create index coach_settings_deleted_at_idx on coach.settings using btree (deleted_at) where (deleted_at is not null);

create index coach_settings_sync_idx on coach.settings using btree (user_id, version);

create trigger sync_stamp before insert or update on coach.settings for each row execute function internal.sync_stamp();

alter table only coach.settings
    add constraint settings_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read rows" on coach.settings for select to service_role using (true);

alter table coach.settings enable row level security;

create policy "users can add own rows" on coach.settings for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.settings for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.settings for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.settings to authenticated;
grant select on table coach.settings to service_role;

grant insert(id) on table coach.settings to authenticated;

grant insert(user_id) on table coach.settings to authenticated;

grant insert(reminders_enabled),update(reminders_enabled) on table coach.settings to authenticated;

grant insert(record_reminder),update(record_reminder) on table coach.settings to authenticated;

grant insert(review_reminder),update(review_reminder) on table coach.settings to authenticated;

grant insert(ai_style),update(ai_style) on table coach.settings to authenticated;

grant insert(share_notes_with_ai),update(share_notes_with_ai) on table coach.settings to authenticated;

grant insert(updated_at),update(updated_at) on table coach.settings to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.settings to authenticated;

-- coach.sleeps ------------------------------------------------------------------------------------------------------

create table coach.sleeps (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    day_log_id uuid not null,
    bed_time timestamp with time zone not null,
    wake_time timestamp with time zone not null,
    quality smallint,
    note text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint sleeps_check check (((wake_time > bed_time) and ((wake_time - bed_time) <= '24:00:00'::interval))),
    constraint sleeps_note_check check ((char_length(note) <= 1000)),
    constraint sleeps_quality_check check (((quality >= 1) and (quality <= 5)))
);

comment on table coach.sleeps is 'Sleep records, dated by the local day of waking: bed and wake time, quality 1–5.';

alter table only coach.sleeps
    add constraint sleeps_pkey primary key (id);

create index coach_sleeps_deleted_at_idx on coach.sleeps using btree (deleted_at) where (deleted_at is not null);

create index coach_sleeps_sync_idx on coach.sleeps using btree (user_id, version);

create index sleeps_day_idx on coach.sleeps using btree (user_id, log_date);

create index sleeps_day_log_id_idx on coach.sleeps using btree (day_log_id);

create trigger link_day before insert or update of log_date, user_id, day_log_id on coach.sleeps for each row execute function coach.record_link_day();

create trigger rescore_day after insert or delete or update on coach.sleeps for each row execute function coach.record_rescore_day();

create trigger sync_stamp before insert or update on coach.sleeps for each row execute function internal.sync_stamp();

alter table only coach.sleeps
    add constraint sleeps_day_log_id_fkey foreign key (day_log_id) references coach.day_logs(id) on delete cascade;

alter table only coach.sleeps
    add constraint sleeps_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read rows" on coach.sleeps for select to service_role using (true);

alter table coach.sleeps enable row level security;

create policy "users can add own rows" on coach.sleeps for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.sleeps for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.sleeps for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.sleeps to authenticated;
grant select on table coach.sleeps to service_role;

grant insert(id) on table coach.sleeps to authenticated;

grant insert(user_id) on table coach.sleeps to authenticated;

grant insert(log_date),update(log_date) on table coach.sleeps to authenticated;

grant insert(bed_time),update(bed_time) on table coach.sleeps to authenticated;

grant insert(wake_time),update(wake_time) on table coach.sleeps to authenticated;

grant insert(quality),update(quality) on table coach.sleeps to authenticated;

grant insert(note),update(note) on table coach.sleeps to authenticated;

grant insert(updated_at),update(updated_at) on table coach.sleeps to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.sleeps to authenticated;

-- coach.targets -----------------------------------------------------------------------------------------------------

create table coach.targets (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    dimension text not null,
    daily_goal numeric(8,2) not null,
    weekly_goal numeric(8,2) not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint targets_daily_goal_check check ((daily_goal > (0)::numeric)),
    constraint targets_dimension_check check ((dimension = any (array['workout'::text, 'meal'::text, 'sleep'::text, 'work'::text, 'reading'::text]))),
    constraint targets_id_from_dimension check ((id = coach.row_id(user_id, ('target/'::text || dimension)))),
    constraint targets_weekly_goal_check check ((weekly_goal > (0)::numeric))
);

comment on table coach.targets is 'Daily and weekly goals per dimension, in the dimension''s unit: workout minutes, meals logged, sleep hours, focus minutes, reading minutes. Missing ones take coach.default_targets().';

alter table only coach.targets
    add constraint targets_pkey primary key (id);

alter table only coach.targets
    add constraint targets_user_dimension unique (user_id, dimension);

create index coach_targets_deleted_at_idx on coach.targets using btree (deleted_at) where (deleted_at is not null);

create index coach_targets_sync_idx on coach.targets using btree (user_id, version);

create trigger rescore_days after insert or update on coach.targets for each row execute function coach.target_rescore_days();

create trigger sync_stamp before insert or update on coach.targets for each row execute function internal.sync_stamp();

alter table only coach.targets
    add constraint targets_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read rows" on coach.targets for select to service_role using (true);

alter table coach.targets enable row level security;

create policy "users can add own rows" on coach.targets for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.targets for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.targets for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.targets to authenticated;
grant select on table coach.targets to service_role;

grant insert(id) on table coach.targets to authenticated;

grant insert(user_id) on table coach.targets to authenticated;

grant insert(dimension) on table coach.targets to authenticated;

grant insert(daily_goal),update(daily_goal) on table coach.targets to authenticated;

grant insert(weekly_goal),update(weekly_goal) on table coach.targets to authenticated;

grant insert(updated_at),update(updated_at) on table coach.targets to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.targets to authenticated;

-- coach.work_notes --------------------------------------------------------------------------------------------------

create table coach.work_notes (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    day_log_id uuid not null,
    focus_minutes integer not null,
    tasks_done integer default 0 not null,
    tasks text[] default '{}'::text[] not null,
    note text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint work_notes_focus_minutes_check check (((focus_minutes >= 0) and (focus_minutes <= 1440))),
    constraint work_notes_note_check check ((char_length(note) <= 2000)),
    constraint work_notes_tasks_check check ((cardinality(tasks) <= 50)),
    constraint work_notes_tasks_done_check check (((tasks_done >= 0) and (tasks_done <= 1000)))
);

comment on table coach.work_notes is 'Work records: focused minutes, tasks done (and their titles), a note.';

alter table only coach.work_notes
    add constraint work_notes_pkey primary key (id);

create index coach_work_notes_deleted_at_idx on coach.work_notes using btree (deleted_at) where (deleted_at is not null);

create index coach_work_notes_sync_idx on coach.work_notes using btree (user_id, version);

create index work_notes_day_idx on coach.work_notes using btree (user_id, log_date);

create index work_notes_day_log_id_idx on coach.work_notes using btree (day_log_id);

create trigger link_day before insert or update of log_date, user_id, day_log_id on coach.work_notes for each row execute function coach.record_link_day();

create trigger rescore_day after insert or delete or update on coach.work_notes for each row execute function coach.record_rescore_day();

create trigger sync_stamp before insert or update on coach.work_notes for each row execute function internal.sync_stamp();

alter table only coach.work_notes
    add constraint work_notes_day_log_id_fkey foreign key (day_log_id) references coach.day_logs(id) on delete cascade;

alter table only coach.work_notes
    add constraint work_notes_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read rows" on coach.work_notes for select to service_role using (true);

create policy "users can add own rows" on coach.work_notes for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.work_notes for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.work_notes for select to authenticated using ((user_id = ( select auth.uid() as uid)));

alter table coach.work_notes enable row level security;

grant select on table coach.work_notes to authenticated;
grant select on table coach.work_notes to service_role;

grant insert(id) on table coach.work_notes to authenticated;

grant insert(user_id) on table coach.work_notes to authenticated;

grant insert(log_date),update(log_date) on table coach.work_notes to authenticated;

grant insert(focus_minutes),update(focus_minutes) on table coach.work_notes to authenticated;

grant insert(tasks_done),update(tasks_done) on table coach.work_notes to authenticated;

grant insert(tasks),update(tasks) on table coach.work_notes to authenticated;

grant insert(note),update(note) on table coach.work_notes to authenticated;

grant insert(updated_at),update(updated_at) on table coach.work_notes to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.work_notes to authenticated;

-- coach.workouts ----------------------------------------------------------------------------------------------------

create table coach.workouts (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    day_log_id uuid not null,
    workout_type text not null,
    duration_minutes integer not null,
    intensity text default 'medium'::text not null,
    calories integer,
    note text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint workouts_calories_check check (((calories >= 0) and (calories <= 10000))),
    constraint workouts_duration_minutes_check check (((duration_minutes >= 1) and (duration_minutes <= 1440))),
    constraint workouts_intensity_check check ((intensity = any (array['low'::text, 'medium'::text, 'high'::text]))),
    constraint workouts_note_check check ((char_length(note) <= 1000)),
    constraint workouts_workout_type_check check (((char_length(workout_type) >= 1) and (char_length(workout_type) <= 40)))
);

comment on table coach.workouts is 'Workout records: type, minutes, intensity, calories burned.';

alter table only coach.workouts
    add constraint workouts_pkey primary key (id);

create index coach_workouts_deleted_at_idx on coach.workouts using btree (deleted_at) where (deleted_at is not null);

create index coach_workouts_sync_idx on coach.workouts using btree (user_id, version);

create index workouts_day_idx on coach.workouts using btree (user_id, log_date);

create index workouts_day_log_id_idx on coach.workouts using btree (day_log_id);

create trigger link_day before insert or update of log_date, user_id, day_log_id on coach.workouts for each row execute function coach.record_link_day();

create trigger rescore_day after insert or delete or update on coach.workouts for each row execute function coach.record_rescore_day();

create trigger sync_stamp before insert or update on coach.workouts for each row execute function internal.sync_stamp();

alter table only coach.workouts
    add constraint workouts_day_log_id_fkey foreign key (day_log_id) references coach.day_logs(id) on delete cascade;

alter table only coach.workouts
    add constraint workouts_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read rows" on coach.workouts for select to service_role using (true);

create policy "users can add own rows" on coach.workouts for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.workouts for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.workouts for select to authenticated using ((user_id = ( select auth.uid() as uid)));

alter table coach.workouts enable row level security;

grant select on table coach.workouts to authenticated;
grant select on table coach.workouts to service_role;

grant insert(id) on table coach.workouts to authenticated;

grant insert(user_id) on table coach.workouts to authenticated;

grant insert(log_date),update(log_date) on table coach.workouts to authenticated;

grant insert(workout_type),update(workout_type) on table coach.workouts to authenticated;

grant insert(duration_minutes),update(duration_minutes) on table coach.workouts to authenticated;

grant insert(intensity),update(intensity) on table coach.workouts to authenticated;

grant insert(calories),update(calories) on table coach.workouts to authenticated;

grant insert(note),update(note) on table coach.workouts to authenticated;

grant insert(updated_at),update(updated_at) on table coach.workouts to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.workouts to authenticated;

create trigger coach_apply_ai_result after update of status on public.ai_tasks for each row when (((new.app_id = 'coach'::public.app_id) and (new.status = 'completed'::text) and (old.status <> 'completed'::text))) execute function coach.apply_ai_result();
