-- Growth Diary's profile counters (issue 23): diary.recompute_profile() and the triggers that run it.
--
-- Why: total_diaries, continuous_days and last_diary_date are shown to the child and drive streak bonuses, so the
-- database keeps them from the diaries themselves, in the user's timezone, whatever writes a diary (the API, sync,
-- the import): on insert, delete, tombstone or revival, and a change of date or draft flag. Drafts count toward
-- nothing. A streak also ends when a day passes without a diary: pg_cron runs diary.expire_streaks() hourly (the
-- timezones' midnights fall on different UTC hours). A diary for a date after the user's today is refused.

select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function diary.local_date(p_timezone text, p_at timestamp with time zone default now()) returns date
    language sql stable
    set search_path to ''
    as $$
  select (p_at at time zone p_timezone)::date
$$;

comment on function diary.local_date(p_timezone text, p_at timestamp with time zone) is 'The local date in a timezone at an instant (default now): what "today" is for a user.';

grant all on function diary.local_date(p_timezone text, p_at timestamp with time zone) to authenticated;
grant all on function diary.local_date(p_timezone text, p_at timestamp with time zone) to service_role;

create function diary.user_timezone(p_user_id uuid) returns text
    language sql stable security definer
    set search_path to ''
    as $$
  select coalesce((select p.timezone from diary.profiles p where p.user_id = p_user_id),
                  (select p.timezone from public.profiles p where p.id = p_user_id and internal.is_valid_timezone(p.timezone)),
                  'Asia/Shanghai')
$$;

comment on function diary.user_timezone(p_user_id uuid) is 'The timezone of a user''s local dates: their diary profile''s, else their account profile''s, else Asia/Shanghai. Security definer: the rules ask it for any user, whoever writes.';

revoke all on function diary.user_timezone(p_user_id uuid) from public;
grant all on function diary.user_timezone(p_user_id uuid) to authenticated;
grant all on function diary.user_timezone(p_user_id uuid) to service_role;

create function diary.diaries_changed() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  if tg_op = 'DELETE' then
    perform diary.recompute_profile(old.user_id);
    return null;
  end if;
  if tg_op = 'UPDATE' and (new.entry_date, new.is_draft, new.deleted_at) is not distinct from (old.entry_date, old.is_draft, old.deleted_at) then
    return null;
  end if;
  perform diary.recompute_profile(new.user_id);
  return null;
end
$$;

comment on function diary.diaries_changed() is 'After a diary is added, deleted, tombstoned or revived, or its date or draft flag changes: recomputes its owner''s counters.';

revoke all on function diary.diaries_changed() from public;

create function diary.check_diary_date() returns trigger
    language plpgsql
    set search_path to ''
    as $$
begin
  if new.entry_date > diary.local_date(diary.user_timezone(new.user_id)) then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
      detail = format('%s is in the future where you are: a diary is for today or an earlier day.', new.entry_date);
  end if;
  return new;
end
$$;

comment on function diary.check_diary_date() is 'Before a diary''s date is written: no diary for a date after the owner''s today (their timezone).';

revoke all on function diary.check_diary_date() from public;

create function diary.profile_timezone_changed() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  perform diary.recompute_profile(new.user_id);
  return null;
end
$$;

comment on function diary.profile_timezone_changed() is 'After a profile''s timezone changes: its "today" moved, so the streak is recomputed.';

revoke all on function diary.profile_timezone_changed() from public;

create function diary.expire_streaks() returns integer
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_count integer;
begin
  update diary.profiles p set continuous_days = 0
   where p.continuous_days > 0 and p.last_diary_date < diary.local_date(p.timezone) - 1;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function diary.expire_streaks() is 'Sets continuous_days to 0 for users whose latest diary is older than yesterday in their timezone (a streak ends when a day passes without a diary, not only when one is written). Run hourly by pg_cron (diary-expire-streaks); returns how many profiles changed.';

revoke all on function diary.expire_streaks() from public;

create trigger recompute_on_timezone after update of timezone on diary.profiles for each row when ((new.timezone is distinct from old.timezone)) execute function diary.profile_timezone_changed();

create function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone default now()) returns diary.profiles
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_timezone text := diary.user_timezone(p_user_id);
  v_today date := diary.local_date(v_timezone, p_at);
  v_total integer;
  v_last date;
  v_streak integer := 0;
  v_profile diary.profiles;
begin
  select count(*)::integer, max(d.entry_date) into v_total, v_last
    from diary.diaries d where d.user_id = p_user_id and d.deleted_at is null and not d.is_draft;
  if v_last >= v_today - 1 then
    -- Dates are unique among live diaries: along the run ending at the latest one, date + rank - 1 is that date;
    -- after the first gap it is earlier.
    select count(*)::integer into v_streak
      from (select d.entry_date + (row_number() over (order by d.entry_date desc))::integer - 1 as run_end
              from diary.diaries d where d.user_id = p_user_id and d.deleted_at is null and not d.is_draft) r
     where r.run_end = v_last;
  end if;
  -- Only a real change writes (and so takes a new sync version).
  insert into diary.profiles as p (id, user_id, timezone, total_diaries, continuous_days, last_diary_date)
  values (p_user_id, p_user_id, v_timezone, v_total, v_streak, v_last)
  on conflict (user_id) do update
     set total_diaries = excluded.total_diaries, continuous_days = excluded.continuous_days,
         last_diary_date = excluded.last_diary_date
   where (p.total_diaries, p.continuous_days, p.last_diary_date)
         is distinct from (excluded.total_diaries, excluded.continuous_days, excluded.last_diary_date)
  returning * into v_profile;
  if v_profile.id is null then
    select * into v_profile from diary.profiles p where p.user_id = p_user_id;
  end if;
  return v_profile;
end
$$;

comment on function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone) is 'Recomputes a user''s diary counters from their live non-draft diaries, in their timezone at p_at (default now): total_diaries; last_diary_date (the latest date); continuous_days, the run of consecutive dates ending at last_diary_date when that is today or yesterday locally, else 0. Creates the profile when missing. Run by the diary triggers; security definer: clients cannot write the counters.';

revoke all on function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone) from public;
grant all on function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone) to service_role;

create trigger check_date before insert or update of entry_date on diary.diaries for each row execute function diary.check_diary_date();

create trigger recompute_profile after insert or delete or update of entry_date, is_draft, deleted_at on diary.diaries for each row execute function diary.diaries_changed();

-- Counters of diaries written before this migration (none in production yet; harmless when re-run).
select diary.recompute_profile(d.user_id) from (select distinct user_id from diary.diaries) d;

select cron.schedule('diary-expire-streaks', '7 * * * *', 'select diary.expire_streaks()');
