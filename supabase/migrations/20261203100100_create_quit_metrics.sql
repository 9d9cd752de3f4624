-- Quit Journey (issue 22): a user's progress and stats, computed only in SQL so every route, sync and import agree.
--
-- quit.user_metrics (smoke-free time and days, cigarettes avoided, money saved exactly, check-in totals and streaks),
-- quit.checkin_stats and quit.smoking_stats over a range of local dates, with their helpers. Every day is a local date
-- in the profile's timezone (quit.user_timezone). Security invoker: RLS decides what a caller sees, so a user reads
-- only their own. Definitions are in each function's comment.

select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function quit.user_timezone(p_user_id uuid) returns text
    language sql stable
    set search_path to ''
    as $$
  select coalesce((select q.timezone from quit.profiles q where q.user_id = p_user_id and q.deleted_at is null),
                  (select p.timezone from public.profiles p where p.id = p_user_id), 'Asia/Shanghai')
$$;

comment on function quit.user_timezone(p_user_id uuid) is 'The timezone a user''s local days are counted in: the quit profile''s, else the account profile''s, else Asia/Shanghai. Invoker: RLS applies.';

revoke all on function quit.user_timezone(p_user_id uuid) from public;
grant all on function quit.user_timezone(p_user_id uuid) to authenticated;
grant all on function quit.user_timezone(p_user_id uuid) to service_role;

create function quit.checkin_runs(p_user_id uuid, p_through date) returns table(first_day date, last_day date, days integer)
    language sql stable
    set search_path to ''
    as $$
  -- Consecutive dates share date - row_number(): each group is one unbroken run.
  select min(x.d), max(x.d), count(*)::int
    from (select c.checkin_date as d, c.checkin_date - (row_number() over (order by c.checkin_date))::int as grp
            from quit.checkins c
           where c.user_id = p_user_id and c.deleted_at is null and c.is_checked_in and c.checkin_date <= p_through) x
   group by x.grp
$$;

comment on function quit.checkin_runs(p_user_id uuid, p_through date) is 'A user''s runs of consecutive local dates checked in (live check-ins with is_checked_in), up to a date: first day, last day, length. A missed, unchecked or deleted day ends a run. Invoker: RLS applies.';

revoke all on function quit.checkin_runs(p_user_id uuid, p_through date) from public;
grant all on function quit.checkin_runs(p_user_id uuid, p_through date) to authenticated;
grant all on function quit.checkin_runs(p_user_id uuid, p_through date) to service_role;

create function quit.current_streak(p_user_id uuid, p_today date) returns integer
    language sql stable
    set search_path to ''
    as $$
  -- Today not checked in yet does not break the streak: it is still alive through yesterday.
  select coalesce(max(r.days), 0) from quit.checkin_runs(p_user_id, p_today) r where r.last_day >= p_today - 1
$$;

comment on function quit.current_streak(p_user_id uuid, p_today date) is 'The run of consecutive check-in days ending on the local date given (today) or the day before, 0 when neither was checked in. Invoker: RLS applies.';

revoke all on function quit.current_streak(p_user_id uuid, p_today date) from public;
grant all on function quit.current_streak(p_user_id uuid, p_today date) to authenticated;
grant all on function quit.current_streak(p_user_id uuid, p_today date) to service_role;

create function quit.local_range(p_from date, p_to date) returns integer
    language plpgsql immutable
    set search_path to ''
    as $$
begin
  if p_from is null or p_to is null or p_to < p_from or p_to - p_from > 366 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
      detail = 'from and to are local dates, from <= to, at most 367 days apart';
  end if;
  return p_to - p_from + 1;
end
$$;

comment on function quit.local_range(p_from date, p_to date) is 'The number of days of a stats range (both ends included), after checking it: from <= to and at most 367 days, else VALIDATION_FAILED.';

revoke all on function quit.local_range(p_from date, p_to date) from public;
grant all on function quit.local_range(p_from date, p_to date) to authenticated;
grant all on function quit.local_range(p_from date, p_to date) to service_role;

create function quit.user_metrics(p_user_id uuid, p_at timestamp with time zone default now()) returns jsonb
    language plpgsql stable
    set search_path to ''
    as $$
declare
  v_profile quit.profiles;
  v_tz text := quit.user_timezone(p_user_id);
  v_today date := (p_at at time zone v_tz)::date;
  v_days integer := 0;
  v_smoked bigint := 0;
  v_smoking_days integer := 0;
  v_avoided bigint := 0;
begin
  select * into v_profile from quit.profiles q where q.user_id = p_user_id and q.deleted_at is null;
  if v_profile.quit_at is not null then
    v_days := greatest(0, v_today - (v_profile.quit_at at time zone v_tz)::date);
    -- Only what was smoked since quitting (and by p_at) counts; earlier records are history.
    select coalesce(sum(r.cigarettes_smoked), 0),
           count(distinct (r.smoked_at at time zone v_tz)::date) filter (where (r.smoked_at at time zone v_tz)::date < v_today)
      into v_smoked, v_smoking_days
      from quit.smoking_records r
     where r.user_id = p_user_id and r.deleted_at is null and r.smoked_at >= v_profile.quit_at and r.smoked_at <= p_at;
    v_avoided := greatest(0, v_profile.cigarettes_per_day::bigint * v_days - v_smoked);
  end if;
  return jsonb_build_object(
    'quit_at', v_profile.quit_at,
    'timezone', v_tz,
    'seconds_since_quit', coalesce(greatest(0, floor(extract(epoch from p_at - v_profile.quit_at)))::bigint, 0),
    'days_since_quit', v_days,
    'smoke_free_days', greatest(0, v_days - v_smoking_days),
    'cigarettes_smoked_since_quit', v_smoked,
    'cigarettes_avoided', v_avoided,
    'money_saved', (v_avoided * coalesce(v_profile.price_per_cigarette, 0))::numeric(20,2)::text,
    'currency', coalesce(v_profile.currency, 'CNY'),
    'total_checkins', (select count(*) from quit.checkins c
                        where c.user_id = p_user_id and c.deleted_at is null and c.is_checked_in and c.checkin_date <= v_today),
    'current_streak', quit.current_streak(p_user_id, v_today),
    'longest_streak', (select coalesce(max(r.days), 0) from quit.checkin_runs(p_user_id, v_today) r));
end
$$;

comment on function quit.user_metrics(p_user_id uuid, p_at timestamp with time zone) is 'A user''s progress at a moment (default now), every day a local date in quit.user_timezone(): quit_at; seconds_since_quit (0 before it); days_since_quit = local date of p_at − local date of quit_at (whole local days, never negative); smoke_free_days = those completed days since the quit date (quit date included, today excluded) with no live smoking record smoked at or after quit_at; cigarettes_smoked_since_quit = cigarettes of live records from quit_at to p_at; cigarettes_avoided = cigarettes_per_day × days_since_quit − smoked since quit, never negative; money_saved = avoided × price_per_cigarette, exact, as a decimal string with 2 places in currency; total_checkins = live checked-in dates up to today; current_streak = consecutive checked-in dates ending today or yesterday; longest_streak = the longest such run ever. No profile: zeros from quit_at on. Invoker: RLS applies (a user sees only their own data).';

revoke all on function quit.user_metrics(p_user_id uuid, p_at timestamp with time zone) from public;
grant all on function quit.user_metrics(p_user_id uuid, p_at timestamp with time zone) to authenticated;
grant all on function quit.user_metrics(p_user_id uuid, p_at timestamp with time zone) to service_role;

create function quit.checkin_stats(p_user_id uuid, p_from date, p_to date) returns jsonb
    language sql stable
    set search_path to ''
    as $$
  with range as (
    select quit.local_range(p_from, p_to) as days, (now() at time zone quit.user_timezone(p_user_id))::date as today
  ), dates as (
    select c.checkin_date from quit.checkins c
     where c.user_id = p_user_id and c.deleted_at is null and c.is_checked_in and c.checkin_date between p_from and p_to
  )
  select jsonb_build_object(
    'from', p_from, 'to', p_to,
    'current_streak', quit.current_streak(p_user_id, range.today),
    'longest_streak', (select coalesce(max(least(r.last_day, p_to) - greatest(r.first_day, p_from) + 1), 0)
                         from quit.checkin_runs(p_user_id, p_to) r where r.last_day >= p_from),
    'total_days', (select count(*) from dates),
    'days_in_range', range.days,
    'checkin_rate', round((select count(*) from dates)::numeric / range.days, 4),
    'checked_in_dates', coalesce((select jsonb_agg(d.checkin_date order by d.checkin_date) from dates d), '[]'::jsonb))
  from range
$$;

comment on function quit.checkin_stats(p_user_id uuid, p_from date, p_to date) is 'Check-ins over local dates from..to (both included, at most 367 days): current_streak (consecutive checked-in dates ending today or yesterday, as in user_metrics), longest_streak (the longest run within the range, runs cut at its ends), total_days checked in within it, days_in_range, checkin_rate = total_days / days_in_range (4 places), and the checked-in dates. Deleted and unchecked check-ins never count. Invoker: RLS applies.';

revoke all on function quit.checkin_stats(p_user_id uuid, p_from date, p_to date) from public;
grant all on function quit.checkin_stats(p_user_id uuid, p_from date, p_to date) to authenticated;
grant all on function quit.checkin_stats(p_user_id uuid, p_from date, p_to date) to service_role;

create function quit.smoking_stats(p_user_id uuid, p_from date, p_to date) returns jsonb
    language sql stable
    set search_path to ''
    as $$
  with range as (
    select quit.local_range(p_from, p_to) as days, quit.user_timezone(p_user_id) as tz
  ), recs as (
    select (r.smoked_at at time zone range.tz) as local_at, r.cigarettes_smoked as n, r.trigger_tags
      from quit.smoking_records r, range
     where r.user_id = p_user_id and r.deleted_at is null
       and r.smoked_at >= (p_from::timestamp at time zone range.tz) and r.smoked_at < ((p_to + 1)::timestamp at time zone range.tz)
  ), days as (
    select d::date as day, coalesce(count(r.n), 0) as records, coalesce(sum(r.n), 0) as cigarettes
      from range, generate_series(p_from, p_to, interval '1 day') d
      left join recs r on r.local_at::date = d::date
     group by d
  )
  select jsonb_build_object(
    'from', p_from, 'to', p_to, 'timezone', range.tz,
    'totals', jsonb_build_object(
      'records', (select count(*) from recs),
      'cigarettes', (select coalesce(sum(n), 0) from recs),
      'days_in_range', range.days,
      'days_with_smoking', (select count(*) from days where records > 0),
      'average_per_day', round((select coalesce(sum(n), 0) from recs)::numeric / range.days, 2)),
    'per_day', (select jsonb_agg(jsonb_build_object('date', day, 'records', records, 'cigarettes', cigarettes) order by day) from days),
    'per_week', (select jsonb_agg(jsonb_build_object('week', w.week, 'records', w.records, 'cigarettes', w.cigarettes) order by w.week)
                   from (select to_char(day, 'IYYY-"W"IW') as week, sum(records) as records, sum(cigarettes) as cigarettes
                           from days group by 1) w),
    'by_trigger_tag', coalesce((select jsonb_agg(jsonb_build_object('tag', t.tag, 'records', t.records, 'cigarettes', t.cigarettes)
                                                 order by t.cigarettes desc, t.tag)
                                  from (select tag, count(*) as records, sum(n) as cigarettes
                                          from recs, unnest(recs.trigger_tags) tag group by tag) t), '[]'::jsonb),
    'by_hour', (select jsonb_agg(jsonb_build_object('hour', x.hour, 'records', x.records, 'cigarettes', x.cigarettes) order by x.hour)
                  from (select h as hour, count(r.n) as records, coalesce(sum(r.n), 0) as cigarettes
                          from generate_series(0, 23) h left join recs r on extract(hour from r.local_at) = h group by h) x))
  from range
$$;

comment on function quit.smoking_stats(p_user_id uuid, p_from date, p_to date) is 'Live smoking records over local dates from..to (both included, at most 367 days) in quit.user_timezone(): totals (records, cigarettes, days_in_range, days_with_smoking, average_per_day over the range, 2 places), per_day (every date, zeros included), per_week (ISO weeks, YYYY-Www), by_trigger_tag (records and cigarettes per tag, most cigarettes first; a record counts once under each of its tags) and by_hour (local hour 0–23). Invoker: RLS applies.';

revoke all on function quit.smoking_stats(p_user_id uuid, p_from date, p_to date) from public;
grant all on function quit.smoking_stats(p_user_id uuid, p_from date, p_to date) to authenticated;
grant all on function quit.smoking_stats(p_user_id uuid, p_from date, p_to date) to service_role;

