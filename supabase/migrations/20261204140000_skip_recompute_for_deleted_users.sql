-- Deleting a user who had a diary failed (auth.admin.deleteUser, account deletion, external sign-in's cleanup): the
-- cascade deletes the diaries after the user and their diary profile are gone, and the diaries' after-delete trigger
-- recomputed the profile, inserting it again for a user who no longer exists (23503). internal.user_exists() lets a
-- trigger that keeps something for a user do nothing once the user is deleted; diary.recompute_profile() asks it first.

create function internal.user_exists(p_user_id uuid) returns boolean
    language sql stable security definer
    set search_path to ''
    as $$
  select exists (select 1 from auth.users u where u.id = p_user_id)
$$;

comment on function internal.user_exists(p_user_id uuid) is 'Whether the user is still in auth.users. Deleting a user cascades to their rows and runs those tables'' after-delete triggers once the user is gone: a trigger that keeps something for the user (counters, scores) asks here first and does nothing for a deleted user, so it cannot fail the deletion. Security definer: auth.users is not readable by clients.';

revoke all on function internal.user_exists(p_user_id uuid) from public;
grant all on function internal.user_exists(p_user_id uuid) to service_role;

create or replace function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone default now()) returns diary.profiles
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
  -- Deleting a user cascades to their diaries after the user (and profile) are gone: nothing to keep then.
  if not internal.user_exists(p_user_id) then
    return null;
  end if;
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

comment on function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone) is 'Recomputes a user''s diary counters from their live non-draft diaries, in their timezone at p_at (default now): total_diaries; last_diary_date (the latest date); continuous_days, the run of consecutive dates ending at last_diary_date when that is today or yesterday locally, else 0. Creates the profile when missing; does nothing (null) for a user no longer in auth.users, whose deletion is cascading. Run by the diary triggers; security definer: clients cannot write the counters.';

revoke all on function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone) from public;
grant all on function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone) to service_role;
