-- Clients write only the columns an app may write. The coach tables granted insert and update on every column, so
-- through PostgREST or sync push a user could choose their records' created_at and version, insert a reading's
-- ai_summary, change a row's id or owner after insert, and set a record's day_log_id to another user's day log:
-- the foreign key then answered whether that user had logged that date. Now each table grants an explicit column
-- list (an allow-list, so a column added later stays server-only until granted):
--   insert: the client-chosen id (offline devices create rows), the owner (RLS checks it), the row's own fields,
--           updated_at (last-write-wins compares it) and deleted_at (tombstones);
--   update: the same without id and owner, which never change after insert (and without a target's dimension,
--           from which its id is derived).
-- Server-owned columns (created_at, version, day_log_id, ai_summary; day logs' score, status, ai_report and
-- ai_plan were already closed) are refused with 42501. day_log_id is re-derived from the record's owner and date
-- whenever it is written, by anyone. public.app_profiles.last_seen_at, which the API touches as the user, is
-- stamped with the time of the write, whatever value is sent.

do $$
declare
  v record;
begin
  for v in
    select * from (values
      ('workouts', 'workout_type, duration_minutes, intensity, calories, note'),
      ('meals', 'meal_type, description, calories, photo_path'),
      ('sleeps', 'bed_time, wake_time, quality, note'),
      ('work_notes', 'focus_minutes, tasks_done, tasks, note'),
      ('readings', 'book, minutes, pages, notes')
    ) t (name, fields)
  loop
    execute format('revoke insert, update on coach.%I from authenticated', v.name);
    execute format('grant insert (id, user_id, log_date, %s, updated_at, deleted_at) on coach.%I to authenticated', v.fields, v.name);
    execute format('grant update (log_date, %s, updated_at, deleted_at) on coach.%I to authenticated', v.fields, v.name);
    -- Fires on every write that names day_log_id too, so not even the server can link a record to another day.
    execute format('drop trigger link_day on coach.%I', v.name);
    execute format('create trigger link_day before insert or update of log_date, user_id, day_log_id on coach.%I for each row execute function coach.record_link_day()', v.name);
  end loop;
end
$$;

revoke insert, update on coach.targets from authenticated;
grant insert (id, user_id, dimension, daily_goal, weekly_goal, updated_at, deleted_at) on coach.targets to authenticated;
grant update (daily_goal, weekly_goal, updated_at, deleted_at) on coach.targets to authenticated;

revoke insert, update on coach.settings from authenticated;
grant insert (id, user_id, reminders_enabled, record_reminder, review_reminder, ai_style, share_notes_with_ai, updated_at, deleted_at)
  on coach.settings to authenticated;
grant update (reminders_enabled, record_reminder, review_reminder, ai_style, share_notes_with_ai, updated_at, deleted_at)
  on coach.settings to authenticated;

comment on function coach.record_link_day() is
  'Before a record is inserted or its owner, date or day_log_id is written: derives day_log_id from owner and date (whatever was sent), and creates (or revives) that day log. Security definer: only the backend writes day logs'' server columns; RLS on the record still checks the owner.';

create or replace function internal.stamp_last_seen_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.last_seen_at := now();
  return new;
end
$$;
comment on function internal.stamp_last_seen_at() is 'Trigger: last_seen_at is the time of the write that sets it, never a value a client sends.';

create trigger app_profiles_stamp_last_seen_at before insert or update of last_seen_at on public.app_profiles
  for each row execute function internal.stamp_last_seen_at();
