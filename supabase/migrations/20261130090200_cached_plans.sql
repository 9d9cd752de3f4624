-- Functions on the hot paths, from SQL to plpgsql. A SQL function with a search_path setting (which every function
-- here needs) cannot be inlined, so its body was parsed and planned again on every call: rescoring a day on a record
-- write was 0.6 ms of a 0.9 ms insert, and /health planned the queue statistics on every request. plpgsql keeps its
-- plans for the session (and evaluates a plain expression without a plan at all). Same signatures, same results.

create or replace function coach.row_id(p_user_id uuid, p_key text) returns uuid
language plpgsql
immutable
set search_path = ''
as $$
begin
  return extensions.uuid_generate_v5('0b6f4c3e-7d2a-4a8e-9f61-5c2d8e7a1b90'::uuid, p_user_id::text || '/' || p_key);
end
$$;

create or replace function coach.day_log_id(p_user_id uuid, p_date date) returns uuid
language plpgsql
immutable
set search_path = ''
as $$
begin
  return coach.row_id(p_user_id, to_char(p_date, 'YYYY-MM-DD'));
end
$$;

create or replace function coach.day_actuals(p_user_id uuid, p_from date, p_to date)
returns table (log_date date, dimension text, amount numeric, records integer)
language plpgsql
stable
security invoker
set search_path = ''
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

create or replace function coach.default_targets() returns table (dimension text, daily_goal numeric, weekly_goal numeric)
language plpgsql
immutable
set search_path = ''
as $$
begin
  return query values ('workout'::text, 30::numeric, 150::numeric), ('meal', 3, 21), ('sleep', 8, 56), ('work', 240, 1200), ('reading', 30, 210);
end
$$;

create or replace function coach.user_targets(p_user_id uuid)
returns table (dimension text, daily_goal numeric, weekly_goal numeric)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return query
  select d.dimension, coalesce(t.daily_goal, d.daily_goal), coalesce(t.weekly_goal, d.weekly_goal)
    from coach.default_targets() d
    left join coach.targets t on t.user_id = p_user_id and t.dimension = d.dimension and t.deleted_at is null;
end
$$;

create or replace function coach.day_score(p_user_id uuid, p_date date) returns smallint
language plpgsql
stable
security invoker
set search_path = ''
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

create or replace function internal.queue_stats() returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return (
    with pending as (
      select j.queue, count(*) as depth, floor(extract(epoch from now() - min(j.created_at)))::bigint as oldest
        from internal.jobs j where j.status in ('queued', 'failed') group by j.queue
    ), dead as (
      select j.queue, count(*) as dead from internal.jobs j where j.status = 'dead' group by j.queue
    )
    select jsonb_build_object(
      'depth', coalesce((select sum(p.depth) from pending p), 0),
      'queues', coalesce((select jsonb_object_agg(q.queue, jsonb_build_object('depth', coalesce(p.depth, 0), 'oldest_age_seconds', p.oldest, 'dead', coalesce(d.dead, 0)))
                            from (select p.queue from pending p union select d.queue from dead d) q
                            left join pending p on p.queue = q.queue
                            left join dead d on d.queue = q.queue), '{}'::jsonb),
      'dead', coalesce((select sum(d.dead) from dead d), 0),
      'last_heartbeat', (select max(h.seen_at) from internal.worker_heartbeats h)));
end
$$;
