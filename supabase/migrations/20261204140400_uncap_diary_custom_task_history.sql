-- The wx-storage import refused a phone's history when a day held more than custom_tasks_per_day custom tasks (the
-- local app had no such cap), dropping what the child wrote. The cap exists so that tasks cannot mint points, and a task
-- before the user's yesterday can never be completed (diary.complete_task): the cap now holds from the user's yesterday
-- on, and older days keep every task. The check asks diary.user_timezone(), which clients cannot call, so it becomes
-- security definer.

create or replace function diary.check_custom_task() returns trigger
    language plpgsql security definer
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
  -- A task that becomes live on a date (made, restored from its tombstone, or moved there) needs room on that date,
  -- when that date can still earn: a task before the user's yesterday can never be completed (diary.complete_task),
  -- so the history a phone brings (the wx-storage import) is kept whole.
  if new.deleted_at is null
     and (tg_op = 'INSERT' or old.deleted_at is not null or old.task_date is distinct from new.task_date)
     and new.task_date >= diary.local_date(diary.user_timezone(new.user_id)) - 1 then
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

comment on function diary.check_custom_task() is 'Before a custom task is written: its points_reward is at most points_rules.custom_task_max_points, and a day from the user''s yesterday on holds at most points_rules.custom_tasks_per_day live custom tasks (remote config), so a user cannot mint points by making tasks (an earlier day''s tasks can never be completed, so imported history is not capped). A task made, restored or moved to such a date takes a transaction lock on the user and date first, so concurrent writers cannot overfill it. Security definer: it asks diary.user_timezone(), which clients cannot call.';
