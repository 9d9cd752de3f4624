-- Growth Diary's custom_tasks_per_day (issue 23): the trigger counted a date's live custom tasks without a lock, so
-- requests sent at the same moment each saw a free place and together overfilled the day (13 of 10 in the test), each
-- task a way to earn points past the rule. It now takes a transaction lock on the user and date before counting, and
-- also checks a task restored from its tombstone or moved to another date, which the insert-only check let through.

create or replace function diary.check_custom_task() returns trigger
    language plpgsql
    set search_path to ''
    as $$
declare
  v_cap integer := coalesce((diary.setting('points_rules', '{custom_task_max_points}'))::integer, 0);
  v_per_day integer := coalesce((diary.setting('points_rules', '{custom_tasks_per_day}'))::integer, 0);
begin
  if new.points_reward > v_cap then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
      detail = format('A custom task rewards at most %s points.', v_cap);
  end if;
  -- A task that becomes live on a date (made, restored from its tombstone, or moved there) needs room on that date.
  if new.deleted_at is null
     and (tg_op = 'INSERT' or old.deleted_at is not null or old.task_date is distinct from new.task_date) then
    -- One writer per user and date at a time, so two writers cannot both count the last free place; the count below is
    -- a statement of its own and so sees what a writer that held the lock before us committed.
    perform pg_catalog.pg_advisory_xact_lock(
      pg_catalog.hashtextextended(format('diary-custom-tasks:%s:%s', new.user_id, new.task_date), 0));
    if (select count(*) from diary.custom_tasks t
         where t.user_id = new.user_id and t.task_date = new.task_date and t.deleted_at is null and t.id <> new.id)
       >= v_per_day then
      raise exception using errcode = 'P0001', message = 'BUSINESS_RULE_VIOLATION',
        detail = format('At most %s custom tasks per day.', v_per_day);
    end if;
  end if;
  return new;
end
$$;

comment on function diary.check_custom_task() is 'Before a custom task is written: its points_reward is at most points_rules.custom_task_max_points, and a day holds at most points_rules.custom_tasks_per_day live custom tasks (remote config), so a user cannot mint points by making tasks. A task made, restored or moved to a date takes a transaction lock on the user and date first, so concurrent writers cannot overfill it.';

drop trigger check_rules on diary.custom_tasks;
create trigger check_rules before insert or update of points_reward, task_date, deleted_at on diary.custom_tasks for each row execute function diary.check_custom_task();
