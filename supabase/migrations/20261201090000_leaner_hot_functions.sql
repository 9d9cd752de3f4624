-- Two functions that run on most requests, with fewer nested calls. Every function here carries
-- `set search_path`, so each call of one saves and restores that setting; on these paths those calls added up.

-- The token take: the refill is computed inline, once per bucket, instead of by three calls of
-- internal.rate_limit_refill per bucket. The formula now lives only here, so the helper goes.
create or replace function internal.rate_limit_take(p_keys text[], p_capacities integer[], p_window_seconds integer[])
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_retry integer;
begin
  if cardinality(p_keys) is distinct from cardinality(p_capacities)
     or cardinality(p_keys) is distinct from cardinality(p_window_seconds) then
    raise exception using errcode = '22023', message = 'rate_limit_take: arrays differ in length';
  end if;
  -- A new bucket starts full and gives its first token. An existing one refills continuously since its last take,
  -- up to its capacity, then gives a token if it has a whole one. The upsert's row lock serialises requests on
  -- one bucket.
  with wanted as (
    select distinct on (key) key, capacity, window_seconds
      from unnest(p_keys, p_capacities, p_window_seconds) as w (key, capacity, window_seconds)
  ),
  taken as (
    insert into internal.rate_limit_buckets as b (key, tokens, updated_at, capacity, window_seconds, refused)
    select key, capacity - 1, now(), capacity, window_seconds, false from wanted
    on conflict (key) do update set
      (refused, tokens) = (
        select r.tokens < 1, r.tokens - case when r.tokens >= 1 then 1 else 0 end
          from (select least(excluded.capacity,
                             b.tokens + greatest(0, extract(epoch from now() - b.updated_at)) * excluded.capacity / excluded.window_seconds)
                       as tokens) r),
      updated_at = now(), capacity = excluded.capacity, window_seconds = excluded.window_seconds
    returning b.tokens, b.refused, b.capacity, b.window_seconds
  )
  select coalesce(max(ceil((1 - tokens) * window_seconds / capacity)::integer) filter (where refused), 0) into v_retry from taken;
  return v_retry;
end
$$;

drop function internal.rate_limit_refill(double precision, timestamptz, integer, integer);

-- The day view: the caller read once instead of once per table, and the day's id taken from its log when there
-- is one (the derived id is computed only for a day with nothing recorded). Same result as before.
create or replace function coach.day_view(p_date date) returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_uid uuid := auth.uid();
  v_log jsonb;
begin
  select to_jsonb(l) into v_log from coach.day_logs l where l.user_id = v_uid and l.log_date = p_date and l.deleted_at is null;
  return jsonb_build_object(
    'id', coalesce((v_log ->> 'id')::uuid, coach.day_log_id(v_uid, p_date)),
    'log', v_log,
    'records', jsonb_build_object(
      'workout', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from coach.workouts r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::jsonb),
      'meal', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from coach.meals r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::jsonb),
      'sleep', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from coach.sleeps r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::jsonb),
      'work', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from coach.work_notes r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::jsonb),
      'reading', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at) from coach.readings r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::jsonb)));
end
$$;
