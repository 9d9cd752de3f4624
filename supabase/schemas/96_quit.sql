-- Quit Journey (焕新之旅): the quit profile, settings, daily check-ins, smoking records, the achievement catalog and
-- its rule language, users' achievements and notifications.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.
--
-- Sync (internal.enable_sync; the registry rows are in the migrations) and each table's conflict strategy:
--   profiles, settings  last_write_wins  one row per user (id quit.row_id(user, 'profile' | 'settings'), so two
--                                        offline devices write the same row); the newest edit is what the user meant.
--   checkins            last_write_wins  one live row per user and local date (unique index): a second device's
--                                        check-in for a day already checked in is refused (23505), so it adopts the
--                                        server's row; edits to that day's mood and note then go newest-first.
--   smoking_records     server_wins      append-mostly: new records never conflict (fresh ids); a stale edit must not
--                                        undo a newer edit or revive a record deleted on another device.
--   user_achievements   server_wins      written only by quit.evaluate_achievements(); clients can only pull them.
--   notifications       last_write_wins  created by the server; clients only mark them read or delete them.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function quit.row_id(p_user_id uuid, p_key text) returns uuid
    language sql immutable
    set search_path to ''
    as $$ select extensions.uuid_generate_v5('5d1c2f7e-3b8a-4c61-9e0d-7a4f2b6c8e13'::uuid, p_user_id::text || '/' || p_key) $$;

comment on function quit.row_id(p_user_id uuid, p_key text) is 'The id of a once-per-user quit row: the profile (key ''profile''), the settings (''settings''), a user achievement (''achievement/<key>''). uuid v5 of "<user>/<key>" in the quit namespace 5d1c2f7e-3b8a-4c61-9e0d-7a4f2b6c8e13: clients compute the same id offline.';

grant all on function quit.row_id(p_user_id uuid, p_key text) to authenticated;
grant all on function quit.row_id(p_user_id uuid, p_key text) to service_role;

create function quit.trigger_tag_vocabulary() returns text[]
    language sql immutable
    set search_path to ''
    as $$ select array['stress', 'anxiety', 'boredom', 'after_meal', 'coffee', 'alcohol', 'social', 'work_break', 'waking_up', 'driving', 'craving', 'habit'] $$;

comment on function quit.trigger_tag_vocabulary() is 'The documented smoking trigger tags (the app translates them): stress, anxiety, boredom, after_meal, coffee, alcohol, social, work_break, waking_up, driving, craving, habit. Other (free) tags are allowed within quit.valid_trigger_tags''s limits.';

grant all on function quit.trigger_tag_vocabulary() to authenticated;
grant all on function quit.trigger_tag_vocabulary() to service_role;

create function quit.valid_trigger_tags(p_tags text[]) returns boolean
    language sql immutable
    set search_path to ''
    as $$
  select cardinality(p_tags) <= 10
     and not exists (select from unnest(p_tags) t where t is null or char_length(t) not between 1 and 32 or t <> btrim(t))
     and (select count(distinct t) = count(*) from unnest(p_tags) t)
     and (select count(*) from unnest(p_tags) t where t <> all (quit.trigger_tag_vocabulary())) <= 3
$$;

comment on function quit.valid_trigger_tags(p_tags text[]) is 'Trigger tags a smoking record may carry: at most 10, no duplicates, each 1–32 characters without surrounding spaces, at most 3 of them outside quit.trigger_tag_vocabulary() (free tags).';

grant all on function quit.valid_trigger_tags(p_tags text[]) to authenticated;
grant all on function quit.valid_trigger_tags(p_tags text[]) to service_role;

create function quit.valid_i18n(p_text jsonb) returns boolean
    language sql immutable
    set search_path to ''
    as $$
  select jsonb_typeof(p_text) = 'object'
     and p_text ?& array['zh-CN', 'en']
     and not exists (select from jsonb_each(p_text) e
                      where jsonb_typeof(e.value) <> 'string' or char_length(e.value #>> '{}') not between 1 and 500)
$$;

comment on function quit.valid_i18n(p_text jsonb) is 'An i18n text: a JSON object of locale → non-empty string (at most 500 characters), with zh-CN and en at least.';

grant all on function quit.valid_i18n(p_text jsonb) to authenticated;
grant all on function quit.valid_i18n(p_text jsonb) to service_role;

create function quit.valid_rule(p_rule jsonb) returns boolean
    language plpgsql immutable
    set search_path to ''
    as $_$
declare
  v_key text;
  v_arg jsonb;
begin
  if jsonb_typeof(p_rule) is distinct from 'object' or (select count(*) from jsonb_object_keys(p_rule)) <> 1 then
    return false;
  end if;
  select k into v_key from jsonb_object_keys(p_rule) k;
  v_arg := p_rule -> v_key;
  if v_key in ('all', 'any') then
    return jsonb_typeof(v_arg) = 'array' and jsonb_array_length(v_arg) between 1 and 20
       and not exists (select from jsonb_array_elements(v_arg) e where not quit.valid_rule(e));
  end if;
  if v_key not in ('smoke_free_days', 'checkin_streak', 'total_checkins', 'money_saved', 'cigarettes_avoided')
     or jsonb_typeof(v_arg) is distinct from 'object' or (select array_agg(k) from jsonb_object_keys(v_arg) k) <> array['gte'] then
    return false;
  end if;
  if v_key = 'money_saved' then
    -- A decimal string, so amounts stay exact: "100", "99.50".
    return jsonb_typeof(v_arg -> 'gte') = 'string' and (v_arg ->> 'gte') ~ '^(0|[1-9][0-9]{0,7})(\.[0-9]{1,2})?$'
       and (v_arg ->> 'gte')::numeric > 0;
  end if;
  return jsonb_typeof(v_arg -> 'gte') = 'number' and (v_arg ->> 'gte') ~ '^[1-9][0-9]{0,5}$';
end
$_$;

comment on function quit.valid_rule(p_rule jsonb) is 'Whether a jsonb is a rule of the achievement rule language: a leaf {"smoke_free_days"|"checkin_streak"|"total_checkins"|"cigarettes_avoided": {"gte": N}} (N a whole number 1–999999) or {"money_saved": {"gte": "X"}} (X a positive decimal string with at most 2 places, in the profile''s currency), or a combinator {"all": [rules]} / {"any": [rules]} of 1–20 rules. quit.achievements refuses anything else.';

grant all on function quit.valid_rule(p_rule jsonb) to authenticated;
grant all on function quit.valid_rule(p_rule jsonb) to service_role;

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

create function quit.assert_caller(p_user_id uuid) returns void
    language plpgsql stable
    set search_path to ''
    as $$
begin
  -- A signed-in user acts on their own data only; the service role (no auth.uid()) names the user it acts for.
  if auth.uid() is not null and p_user_id is distinct from auth.uid() then
    raise exception using errcode = '42501', message = 'this is another user''s data';
  end if;
end
$$;

comment on function quit.assert_caller(p_user_id uuid) is 'Refuses (42501) a signed-in caller acting for another user; the service role and the server itself pass.';

revoke all on function quit.assert_caller(p_user_id uuid) from public;
grant all on function quit.assert_caller(p_user_id uuid) to authenticated;
grant all on function quit.assert_caller(p_user_id uuid) to service_role;

create function quit.lock_user(p_user_id uuid) returns void
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  -- The user's sync clock row: every write to one of their syncable rows locks it first (internal.sync_stamp), so
  -- taking it here too keeps one lock order and serialises all of the user's writers until commit.
  insert into internal.sync_clocks (user_id) values (p_user_id) on conflict (user_id) do nothing;
  perform from internal.sync_clocks c where c.user_id = p_user_id for update;
end
$$;

comment on function quit.lock_user(p_user_id uuid) is 'Locks the user''s sync clock row until commit: the one lock every write of the user''s syncable rows takes, so evaluations and deletions serialise with them and with each other without a second lock order. Security definer: the clocks are server-only.';

revoke all on function quit.lock_user(p_user_id uuid) from public;

create function quit.rule_progress(p_rule jsonb, p_metrics jsonb) returns jsonb
    language plpgsql immutable
    set search_path to ''
    as $$
declare
  v_key text;
  v_metric text;
  v_current numeric;
  v_target numeric;
begin
  select k into v_key from jsonb_object_keys(p_rule) k;
  if v_key in ('all', 'any') then
    -- all: met when every part is, progress the mean of the parts'; any: met when one is, progress the best part's.
    return (select jsonb_build_object(
                     'met', case when v_key = 'all' then bool_and((x.r ->> 'met')::boolean) else bool_or((x.r ->> 'met')::boolean) end,
                     'progress', case when v_key = 'all' then avg((x.r ->> 'progress')::numeric) else max((x.r ->> 'progress')::numeric) end,
                     'current', null, 'target', null)
              from (select quit.rule_progress(e, p_metrics) as r from jsonb_array_elements(p_rule -> v_key) e) x);
  end if;
  -- A streak achievement counts the longest streak: one earned before (an imported history) is not lost to a gap.
  v_metric := case v_key when 'checkin_streak' then 'longest_streak' else v_key end;
  v_current := coalesce((p_metrics ->> v_metric)::numeric, 0);
  v_target := (p_rule -> v_key ->> 'gte')::numeric;
  return jsonb_build_object('met', v_current >= v_target, 'progress', least(1, v_current / v_target),
                            'current', p_metrics -> v_metric, 'target', p_rule -> v_key -> 'gte');
end
$$;

comment on function quit.rule_progress(p_rule jsonb, p_metrics jsonb) is 'Evaluates a rule (quit.valid_rule) against quit.user_metrics(): {met, progress 0–1, current, target}. Leaves compare the metric with gte (checkin_streak reads longest_streak, money_saved the exact decimal); all is met when every part is (progress: the mean), any when one is (progress: the best part''s); combinators have no current or target.';

revoke all on function quit.rule_progress(p_rule jsonb, p_metrics jsonb) from public;
grant all on function quit.rule_progress(p_rule jsonb, p_metrics jsonb) to authenticated;
grant all on function quit.rule_progress(p_rule jsonb, p_metrics jsonb) to service_role;

create function quit.evaluate_achievements(p_user_id uuid) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_metrics jsonb;
  v_achievement quit.achievements;
  v_eval jsonb;
  v_met boolean;
  v_progress numeric;
  v_row quit.user_achievements;
  v_unlocked text[] := '{}'::text[];
  v_list jsonb := '[]'::jsonb;
  v_locale text;
begin
  perform quit.assert_caller(p_user_id);
  -- Concurrent evaluations of one user queue here and each reads what the one before committed: an unlock, its
  -- points and its notification happen once.
  perform quit.lock_user(p_user_id);
  v_metrics := quit.user_metrics(p_user_id);
  -- Notifications speak the profile's language: English for en*, otherwise Chinese.
  v_locale := case when (select q.locale from quit.profiles q where q.user_id = p_user_id and q.deleted_at is null) like 'en%'
                   then 'en' else 'zh-CN' end;
  for v_achievement in select * from quit.achievements a where a.active order by a.sort, a.key loop
    v_eval := quit.rule_progress(v_achievement.rule, v_metrics);
    v_met := (v_eval ->> 'met')::boolean;
    select * into v_row from quit.user_achievements u where u.user_id = p_user_id and u.achievement_key = v_achievement.key;
    if v_row.unlocked_at is null then
      -- Stored progress moves in hundredths (fewer sync versions); 1 only once met.
      v_progress := case when v_met then 1 else least(round((v_eval ->> 'progress')::numeric, 2), 0.99) end;
      if v_row.id is null and (v_met or v_progress > 0) then
        insert into quit.user_achievements (id, user_id, achievement_key, progress, unlocked_at)
        values (quit.row_id(p_user_id, 'achievement/' || v_achievement.key), p_user_id, v_achievement.key, v_progress,
                case when v_met then now() end)
        returning * into v_row;
      elsif v_row.id is not null and (v_met or v_row.progress <> v_progress) then
        update quit.user_achievements u set progress = v_progress, unlocked_at = case when v_met then now() end
         where u.id = v_row.id returning * into v_row;
      end if;
      if v_met then
        v_unlocked := v_unlocked || v_achievement.key;
        if v_achievement.points > 0 then
          -- Keyed by user (the account) and achievement: the ledger itself refuses a second grant.
          perform public.wallet_post('quit', p_user_id, 'points', v_achievement.points, 'reward',
                                     format('achievement %s', v_achievement.key), format('quit-achievement:%s', v_achievement.key),
                                     'quit.achievement', v_achievement.key);
        end if;
        if coalesce((select s.notify_achievements from quit.settings s where s.user_id = p_user_id and s.deleted_at is null), true) then
          insert into quit.notifications (user_id, kind, title, body, data)
          values (p_user_id, 'achievement', v_achievement.name ->> v_locale, v_achievement.description ->> v_locale,
                  jsonb_build_object('achievement_key', v_achievement.key, 'name', v_achievement.name,
                                     'description', v_achievement.description, 'points', v_achievement.points));
        end if;
      end if;
    end if;
    v_list := v_list || jsonb_build_object(
      'key', v_achievement.key, 'unlocked', v_row.unlocked_at is not null, 'unlocked_at', v_row.unlocked_at,
      'progress', case when v_row.unlocked_at is not null then 1 else round((v_eval ->> 'progress')::numeric, 4) end,
      'current', v_eval -> 'current', 'target', v_eval -> 'target');
  end loop;
  return jsonb_build_object('unlocked', to_jsonb(v_unlocked), 'achievements', v_list);
end
$$;

comment on function quit.evaluate_achievements(p_user_id uuid) is 'Evaluates every active achievement''s rule against quit.user_metrics() and unlocks each one met, once: records unlocked_at, grants its points once through the ledger (quit/points, idempotency key quit-achievement:<key>, unique per user account) and adds an achievement notification (in the profile''s language: en for en*, else zh-CN) when the user wants them; stores progress of the others in hundredths. Serialised per user (quit.lock_user), so concurrent callers cannot unlock or grant twice. Returns {unlocked: [keys newly unlocked now], achievements: [{key, unlocked, unlocked_at, progress 0–1, current, target}]}. Runs after every write to profiles, checkins and smoking_records (whatever path wrote). Security definer: user_achievements, notifications and the ledger are server-written; a signed-in caller may only evaluate themselves.';

revoke all on function quit.evaluate_achievements(p_user_id uuid) from public;
grant all on function quit.evaluate_achievements(p_user_id uuid) to authenticated;
grant all on function quit.evaluate_achievements(p_user_id uuid) to service_role;

create function quit.evaluate_after_write() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  perform quit.evaluate_achievements(new.user_id);
  return null;
end
$$;

comment on function quit.evaluate_after_write() is 'After a write that can change a metric (profiles, checkins, smoking_records; through the Data API, the routes, sync push or import alike): evaluates the owner''s achievements.';

revoke all on function quit.evaluate_after_write() from public;

create function quit.delete_user_data(p_user_id uuid) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $_$
declare
  v_table text;
  v_count bigint;
  v_counts jsonb := '{}'::jsonb;
begin
  perform quit.assert_caller(p_user_id);
  perform internal.require_aal2();
  perform quit.lock_user(p_user_id);
  foreach v_table in array array['notifications', 'user_achievements', 'smoking_records', 'checkins', 'settings', 'profiles'] loop
    execute format('delete from quit.%I where user_id = $1', v_table) using p_user_id;
    get diagnostics v_count = row_count;
    v_counts := v_counts || jsonb_build_object(v_table, v_count);
  end loop;
  -- The app's sync bookkeeping goes too: its devices, imports, conflicts and remembered pushes.
  delete from internal.sync_mutations m where m.user_id = p_user_id and m.table_name like 'quit.%';
  delete from internal.sync_conflicts c where c.user_id = p_user_id and c.app_id = 'quit';
  delete from internal.sync_devices d where d.user_id = p_user_id and d.app_id = 'quit';
  delete from internal.sync_imports i where i.user_id = p_user_id and i.app_id = 'quit';
  return v_counts;
end
$_$;

comment on function quit.delete_user_data(p_user_id uuid) is 'Deletes the user''s Quit Journey data now, rows and tombstones alike (profile, settings, check-ins, smoking records, achievements, notifications, and the app''s sync devices, imports, conflicts and remembered pushes); returns the rows deleted per quit table. The ledger is append-only and stays: quit points entries and the balance remain. Whole-account deletion across apps is not this. Needs aal2 from a user with MFA (internal.require_aal2). Security definer: clients cannot delete rows; a signed-in caller may only delete their own.';

revoke all on function quit.delete_user_data(p_user_id uuid) from public;
grant all on function quit.delete_user_data(p_user_id uuid) to authenticated;
grant all on function quit.delete_user_data(p_user_id uuid) to service_role;

-- quit.achievements -------------------------------------------------------------------------------------------------

create table quit.achievements (
    key text not null,
    name jsonb not null,
    description jsonb not null,
    icon text not null,
    category text not null,
    points integer default 0 not null,
    rule jsonb not null,
    active boolean default true not null,
    sort integer default 0 not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint achievements_category_check check ((category = any (array['smoke_free'::text, 'money'::text, 'checkin'::text, 'cigarettes'::text, 'special'::text]))),
    constraint achievements_description_check check (quit.valid_i18n(description)),
    constraint achievements_icon_check check (((char_length(icon) >= 1) and (char_length(icon) <= 64))),
    constraint achievements_key_check check ((key ~ '^[a-z0-9_]{1,64}$'::text)),
    constraint achievements_name_check check (quit.valid_i18n(name)),
    constraint achievements_points_check check (((points >= 0) and (points <= 100000))),
    constraint achievements_rule_check check (quit.valid_rule(rule))
);

comment on table quit.achievements is 'The achievement catalog (rows from seed/05_quit_achievements.sql; admins edit it in Studio): i18n name and description ({"zh-CN","en"}), icon name, category, points granted once on unlock (currency quit/points), the unlock rule (quit.valid_rule), active flag and display order. Readable by every signed-in user; no client writes it.';

comment on column quit.achievements.rule is 'The unlock condition in the rule language (see quit.valid_rule), evaluated only by quit.evaluate_achievements() against quit.user_metrics().';

alter table only quit.achievements
    add constraint achievements_pkey primary key (key);

alter table quit.achievements enable row level security;

create policy "signed-in users can read the catalog" on quit.achievements for select to authenticated using (true);

create policy "service role can read the catalog" on quit.achievements for select to service_role using (true);

grant select on table quit.achievements to authenticated;
grant select on table quit.achievements to service_role;

-- quit.checkins -----------------------------------------------------------------------------------------------------

create table quit.checkins (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    checkin_date date not null,
    is_checked_in boolean default true not null,
    checked_in_at timestamp with time zone default now(),
    mood text,
    note text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint checkins_checkin_date_check check (((checkin_date >= '2000-01-01'::date) and (checkin_date <= '2100-01-01'::date))),
    constraint checkins_mood_check check ((mood = any (array['great'::text, 'good'::text, 'okay'::text, 'low'::text, 'anxious'::text, 'craving'::text]))),
    constraint checkins_note_check check ((char_length(note) <= 1000))
);

comment on table quit.checkins is 'Daily check-ins: one live row per user and local date (the profile''s timezone), whether the day was smoke-free as the user says, when they checked in, an optional mood and note. Deleting leaves a tombstone (deleted_at) for sync.';

comment on column quit.checkins.checkin_date is 'The local date (in the profile''s timezone) the check-in is for; unique per user among live rows.';

comment on column quit.checkins.mood is 'One of great, good, okay, low, anxious, craving (the app translates them).';

alter table only quit.checkins
    add constraint checkins_pkey primary key (id);

create unique index checkins_live_date_idx on quit.checkins using btree (user_id, checkin_date) where (deleted_at is null);

create index quit_checkins_deleted_at_idx on quit.checkins using btree (deleted_at) where (deleted_at is not null);

create index quit_checkins_sync_idx on quit.checkins using btree (user_id, version);

create trigger evaluate_achievements after insert or update on quit.checkins for each row execute function quit.evaluate_after_write();

create trigger sync_stamp before insert or update on quit.checkins for each row execute function internal.sync_stamp();

alter table only quit.checkins
    add constraint checkins_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.checkins enable row level security;

create policy "service role can read rows" on quit.checkins for select to service_role using (true);

create policy "users can add own rows" on quit.checkins for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on quit.checkins for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on quit.checkins for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.checkins to authenticated;
grant select on table quit.checkins to service_role;

grant insert(id) on table quit.checkins to authenticated;

grant insert(user_id) on table quit.checkins to authenticated;

grant insert(checkin_date) on table quit.checkins to authenticated;

grant insert(is_checked_in),update(is_checked_in) on table quit.checkins to authenticated;

grant insert(checked_in_at),update(checked_in_at) on table quit.checkins to authenticated;

grant insert(mood),update(mood) on table quit.checkins to authenticated;

grant insert(note),update(note) on table quit.checkins to authenticated;

grant insert(updated_at),update(updated_at) on table quit.checkins to authenticated;

grant insert(deleted_at),update(deleted_at) on table quit.checkins to authenticated;

-- quit.notifications ------------------------------------------------------------------------------------------------

create table quit.notifications (
    id uuid default gen_random_uuid() not null,
    user_id uuid not null,
    kind text not null,
    title text not null,
    body text,
    data jsonb default '{}'::jsonb not null,
    created_at timestamp with time zone default now() not null,
    read_at timestamp with time zone,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint notifications_body_check check ((char_length(body) <= 2000)),
    constraint notifications_data_check check (((jsonb_typeof(data) = 'object'::text) and (pg_column_size(data) <= 4096))),
    constraint notifications_kind_check check ((kind = any (array['reminder'::text, 'achievement'::text, 'milestone'::text, 'encouragement'::text, 'system'::text, 'test'::text]))),
    constraint notifications_title_check check (((char_length(title) >= 1) and (char_length(title) <= 200)))
);

comment on table quit.notifications is 'A user''s notification list, written by the server (achievement unlocks, reminders, tests): kind (reminder, achievement, milestone, encouragement, system, test), title, body, data for the app; users mark them read (read_at) or delete them (tombstone).';

alter table only quit.notifications
    add constraint notifications_pkey primary key (id);

create index notifications_user_created_idx on quit.notifications using btree (user_id, created_at desc);

create index quit_notifications_deleted_at_idx on quit.notifications using btree (deleted_at) where (deleted_at is not null);

create index quit_notifications_sync_idx on quit.notifications using btree (user_id, version);

create trigger sync_stamp before insert or update on quit.notifications for each row execute function internal.sync_stamp();

alter table only quit.notifications
    add constraint notifications_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.notifications enable row level security;

create policy "service role can add notifications" on quit.notifications for insert to service_role with check (true);

create policy "service role can read rows" on quit.notifications for select to service_role using (true);

create policy "users can change own rows" on quit.notifications for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on quit.notifications for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.notifications to authenticated;
grant select,insert on table quit.notifications to service_role;

grant update(read_at) on table quit.notifications to authenticated;

grant update(updated_at) on table quit.notifications to authenticated;

grant update(deleted_at) on table quit.notifications to authenticated;

-- quit.profiles -----------------------------------------------------------------------------------------------------

create table quit.profiles (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    quit_at timestamp with time zone not null,
    quit_reason text,
    cigarettes_per_day integer not null,
    price_per_cigarette numeric(10,2) default 0 not null,
    currency character(3) default 'CNY'::bpchar not null,
    timezone text default 'Asia/Shanghai'::text not null,
    locale text default 'zh-CN'::text not null,
    display_name text,
    avatar_path text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint profiles_avatar_path_check check ((char_length(avatar_path) <= 500)),
    constraint profiles_cigarettes_per_day_check check (((cigarettes_per_day > 0) and (cigarettes_per_day <= 200))),
    constraint profiles_currency_check check ((currency ~ '^[A-Z]{3}$'::text)),
    constraint profiles_display_name_check check (((char_length(display_name) >= 1) and (char_length(display_name) <= 100))),
    constraint profiles_id_from_user check ((id = quit.row_id(user_id, 'profile'::text))),
    constraint profiles_locale_check check ((locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'::text)),
    constraint profiles_price_per_cigarette_check check ((price_per_cigarette >= (0)::numeric)),
    constraint profiles_quit_at_check check ((quit_at >= '2000-01-01 00:00:00+00'::timestamp with time zone)),
    constraint profiles_quit_reason_check check ((char_length(quit_reason) <= 1000)),
    constraint profiles_timezone_check check (internal.is_valid_timezone(timezone))
);

comment on table quit.profiles is 'One per user (id quit.row_id(user, ''profile'')): when they quit (a moment), why, the baseline (cigarettes per day, price per cigarette in the profile''s currency, ISO 4217), the IANA timezone every local day and streak is counted in, locale, display name and avatar (a Storage path).';

comment on column quit.profiles.quit_at is 'The moment the user quit; smoke-free time and local days are counted from it in the profile''s timezone.';

comment on column quit.profiles.price_per_cigarette is 'Price of one cigarette in the profile''s currency, exact to 2 places (money saved is computed from it exactly).';

alter table only quit.profiles
    add constraint profiles_pkey primary key (id);

alter table only quit.profiles
    add constraint profiles_user_id_key unique (user_id);

create index quit_profiles_deleted_at_idx on quit.profiles using btree (deleted_at) where (deleted_at is not null);

create index quit_profiles_sync_idx on quit.profiles using btree (user_id, version);

create trigger evaluate_achievements after insert or update on quit.profiles for each row execute function quit.evaluate_after_write();

create trigger sync_stamp before insert or update on quit.profiles for each row execute function internal.sync_stamp();

alter table only quit.profiles
    add constraint profiles_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.profiles enable row level security;

create policy "service role can read rows" on quit.profiles for select to service_role using (true);

create policy "users can add own rows" on quit.profiles for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on quit.profiles for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on quit.profiles for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.profiles to authenticated;
grant select on table quit.profiles to service_role;

grant insert(id) on table quit.profiles to authenticated;

grant insert(user_id) on table quit.profiles to authenticated;

grant insert(quit_at),update(quit_at) on table quit.profiles to authenticated;

grant insert(quit_reason),update(quit_reason) on table quit.profiles to authenticated;

grant insert(cigarettes_per_day),update(cigarettes_per_day) on table quit.profiles to authenticated;

grant insert(price_per_cigarette),update(price_per_cigarette) on table quit.profiles to authenticated;

grant insert(currency),update(currency) on table quit.profiles to authenticated;

grant insert(timezone),update(timezone) on table quit.profiles to authenticated;

grant insert(locale),update(locale) on table quit.profiles to authenticated;

grant insert(display_name),update(display_name) on table quit.profiles to authenticated;

grant insert(avatar_path),update(avatar_path) on table quit.profiles to authenticated;

grant insert(updated_at),update(updated_at) on table quit.profiles to authenticated;

grant insert(deleted_at),update(deleted_at) on table quit.profiles to authenticated;

-- quit.settings -----------------------------------------------------------------------------------------------------

create table quit.settings (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    reminder_enabled boolean default true not null,
    reminder_time time without time zone default '09:00:00'::time without time zone not null,
    notify_achievements boolean default true not null,
    notify_milestones boolean default true not null,
    notify_encouragement boolean default true not null,
    quiet_hours_start time without time zone,
    quiet_hours_end time without time zone,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint settings_id_from_user check ((id = quit.row_id(user_id, 'settings'::text))),
    constraint settings_quiet_hours_check check (((quiet_hours_start is null) = (quiet_hours_end is null)))
);

comment on table quit.settings is 'One per user (id quit.row_id(user, ''settings'')): the daily check-in reminder (on/off, local time in the profile''s timezone), which notification kinds the user wants (achievements, health milestones, encouragement) and quiet hours (local; start after end spans midnight). No row: the defaults.';

comment on column quit.settings.quiet_hours_start is 'Start of the local quiet hours (no pushes); set together with quiet_hours_end, both null for none.';

alter table only quit.settings
    add constraint settings_pkey primary key (id);

alter table only quit.settings
    add constraint settings_user_id_key unique (user_id);

create index quit_settings_deleted_at_idx on quit.settings using btree (deleted_at) where (deleted_at is not null);

create index quit_settings_sync_idx on quit.settings using btree (user_id, version);

create trigger sync_stamp before insert or update on quit.settings for each row execute function internal.sync_stamp();

alter table only quit.settings
    add constraint settings_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.settings enable row level security;

create policy "service role can read rows" on quit.settings for select to service_role using (true);

create policy "users can add own rows" on quit.settings for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on quit.settings for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on quit.settings for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.settings to authenticated;
grant select on table quit.settings to service_role;

grant insert(id) on table quit.settings to authenticated;

grant insert(user_id) on table quit.settings to authenticated;

grant insert(reminder_enabled),update(reminder_enabled) on table quit.settings to authenticated;

grant insert(reminder_time),update(reminder_time) on table quit.settings to authenticated;

grant insert(notify_achievements),update(notify_achievements) on table quit.settings to authenticated;

grant insert(notify_milestones),update(notify_milestones) on table quit.settings to authenticated;

grant insert(notify_encouragement),update(notify_encouragement) on table quit.settings to authenticated;

grant insert(quiet_hours_start),update(quiet_hours_start) on table quit.settings to authenticated;

grant insert(quiet_hours_end),update(quiet_hours_end) on table quit.settings to authenticated;

grant insert(updated_at),update(updated_at) on table quit.settings to authenticated;

grant insert(deleted_at),update(deleted_at) on table quit.settings to authenticated;

-- quit.smoking_records ----------------------------------------------------------------------------------------------

create table quit.smoking_records (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    smoked_at timestamp with time zone not null,
    cigarettes_smoked integer not null,
    trigger_tags text[] default '{}'::text[] not null,
    note text,
    location jsonb,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint smoking_records_cigarettes_smoked_check check (((cigarettes_smoked > 0) and (cigarettes_smoked <= 100))),
    constraint smoking_records_location_check check (((jsonb_typeof(location) = 'object'::text) and (pg_column_size(location) <= 1024))),
    constraint smoking_records_note_check check ((char_length(note) <= 1000)),
    constraint smoking_records_smoked_at_check check ((smoked_at >= '2000-01-01 00:00:00+00'::timestamp with time zone)),
    constraint smoking_records_trigger_tags_check check (quit.valid_trigger_tags(trigger_tags))
);

comment on table quit.smoking_records is 'Cigarettes the user smoked (a lapse after quitting, or history before it): when, how many (1–100), trigger tags (quit.trigger_tag_vocabulary() plus up to 3 free tags, quit.valid_trigger_tags), a note and an optional location object. Deleting leaves a tombstone.';

comment on column quit.smoking_records.trigger_tags is 'What triggered it: tags from quit.trigger_tag_vocabulary() and at most 3 free ones, 10 at most (GIN-indexed).';

comment on column quit.smoking_records.location is 'Optional place, as the app sends it (e.g. {"name": "office", "lat": 31.23, "lng": 121.47}); at most 1 KB.';

alter table only quit.smoking_records
    add constraint smoking_records_pkey primary key (id);

create index quit_smoking_records_deleted_at_idx on quit.smoking_records using btree (deleted_at) where (deleted_at is not null);

create index quit_smoking_records_sync_idx on quit.smoking_records using btree (user_id, version);

create index smoking_records_user_smoked_at_idx on quit.smoking_records using btree (user_id, smoked_at);

create index smoking_records_trigger_tags_idx on quit.smoking_records using gin (trigger_tags);

create trigger evaluate_achievements after insert or update on quit.smoking_records for each row execute function quit.evaluate_after_write();

create trigger sync_stamp before insert or update on quit.smoking_records for each row execute function internal.sync_stamp();

alter table only quit.smoking_records
    add constraint smoking_records_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.smoking_records enable row level security;

create policy "service role can read rows" on quit.smoking_records for select to service_role using (true);

create policy "users can add own rows" on quit.smoking_records for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on quit.smoking_records for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on quit.smoking_records for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.smoking_records to authenticated;
grant select on table quit.smoking_records to service_role;

grant insert(id) on table quit.smoking_records to authenticated;

grant insert(user_id) on table quit.smoking_records to authenticated;

grant insert(smoked_at),update(smoked_at) on table quit.smoking_records to authenticated;

grant insert(cigarettes_smoked),update(cigarettes_smoked) on table quit.smoking_records to authenticated;

grant insert(trigger_tags),update(trigger_tags) on table quit.smoking_records to authenticated;

grant insert(note),update(note) on table quit.smoking_records to authenticated;

grant insert(location),update(location) on table quit.smoking_records to authenticated;

grant insert(updated_at),update(updated_at) on table quit.smoking_records to authenticated;

grant insert(deleted_at),update(deleted_at) on table quit.smoking_records to authenticated;

-- quit.user_achievements --------------------------------------------------------------------------------------------

create table quit.user_achievements (
    id uuid not null,
    user_id uuid not null,
    achievement_key text not null,
    unlocked_at timestamp with time zone,
    progress numeric(5,4) default 0 not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint user_achievements_id_from_key check ((id = quit.row_id(user_id, ('achievement/'::text || achievement_key)))),
    constraint user_achievements_progress_check check (((progress >= (0)::numeric) and (progress <= (1)::numeric))),
    constraint user_achievements_unlocked_progress check (((unlocked_at is null) or (progress = (1)::numeric)))
);

comment on table quit.user_achievements is 'A user''s standing on an achievement (one row per user and achievement, id quit.row_id(user, ''achievement/<key>'')): the progress last evaluated (0–1) and, once met, when it was unlocked. Written only by quit.evaluate_achievements() (security definer); clients read their own and can never insert or change one, not through the Data API and not through sync push or import.';

comment on column quit.user_achievements.unlocked_at is 'When the rule was first met; null while locked. Never changes once set.';

alter table only quit.user_achievements
    add constraint user_achievements_pkey primary key (id);

alter table only quit.user_achievements
    add constraint user_achievements_user_key unique (user_id, achievement_key);

create index quit_user_achievements_deleted_at_idx on quit.user_achievements using btree (deleted_at) where (deleted_at is not null);

create index quit_user_achievements_sync_idx on quit.user_achievements using btree (user_id, version);

create index user_achievements_achievement_key_idx on quit.user_achievements using btree (achievement_key);

create trigger sync_stamp before insert or update on quit.user_achievements for each row execute function internal.sync_stamp();

alter table only quit.user_achievements
    add constraint user_achievements_achievement_key_fkey foreign key (achievement_key) references quit.achievements(key);

alter table only quit.user_achievements
    add constraint user_achievements_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.user_achievements enable row level security;

create policy "service role can read rows" on quit.user_achievements for select to service_role using (true);

create policy "users can read own rows" on quit.user_achievements for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.user_achievements to authenticated;
grant select on table quit.user_achievements to service_role;
