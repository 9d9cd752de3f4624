-- diary.user_timezone(uuid) was executable by every signed-in user over RPC: anyone could read another user's timezone
-- (where they live, near enough). Only the rules need it, for any user: it is revoked from authenticated. The one
-- client-side need, a user's own today (the tasks route), is diary.caller_today(); the diary date check, a trigger run
-- as the writing user, becomes security definer to keep asking it.

revoke all on function diary.user_timezone(p_user_id uuid) from authenticated;

comment on function diary.user_timezone(p_user_id uuid) is 'The timezone of a user''s local dates: their diary profile''s, else their account profile''s, else Asia/Shanghai. Security definer: the rules ask it for any user, whoever writes; so only the rules and the service role call it (a client asks diary.caller_today()).';

create function diary.caller_today() returns date
    language sql stable security definer
    set search_path to ''
    as $$
  select diary.local_date(diary.user_timezone((select auth.uid())))
$$;

comment on function diary.caller_today() is 'Today where the caller is (diary.user_timezone of auth.uid()): what a client may ask of its own timezone. Security definer: diary.user_timezone() answers for any user, so clients cannot call it.';

revoke all on function diary.caller_today() from public;
grant all on function diary.caller_today() to authenticated;
grant all on function diary.caller_today() to service_role;

create or replace function diary.check_diary_date() returns trigger
    language plpgsql security definer
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

comment on function diary.check_diary_date() is 'Before a diary''s date is written: no diary for a date after the owner''s today (their timezone). Security definer: it asks diary.user_timezone(), which clients cannot call.';
