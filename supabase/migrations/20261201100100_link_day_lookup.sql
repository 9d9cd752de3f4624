-- A record linked its day by trying to insert the day log every time (insert … on conflict). On a day that already
-- has its log, nearly every write, that attempt still ran the log's BEFORE INSERT trigger, which takes a version of
-- the owner's sync clock, and the speculative insert itself: about 0.28 ms of a 0.73 ms record insert. Now the log
-- is looked up by its id (derived from the date) first, and inserted only when missing or tombstoned.
create or replace function coach.record_link_day() returns trigger
language plpgsql
security definer
set search_path = ''
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
