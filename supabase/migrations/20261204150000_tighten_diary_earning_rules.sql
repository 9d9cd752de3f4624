-- Growth Diary's earning rules could be farmed (issue 23):
-- 1. Streak bonuses were keyed by the streak's first day and counted back-dated diaries, so writing one more
--    back-dated diary (or deleting the oldest) and flipping today's draft paid 3/7/30 again, forever. Now only a diary
--    written on its own day earns (diaries.on_time, set by a trigger clients cannot bypass), and the bonus streak is a
--    per-day counter on the profile (earning_streak), counted once when the day's on-time diary goes live and never
--    recomputed; a threshold pays on the day the counter reaches it (diary_streak:<days>:<that day>). Existing
--    diaries are not on time and earning streaks start at 0: nothing already paid is touched.
-- 2. An imported diary dated today earned first_diary_of_day and bonuses on top of the opening balance: the importer
--    now sets diary.importing for its transaction, and an imported diary is never on time.
-- 3. custom_tasks_per_day limited live tasks, not points: deleting completed tasks freed their places, and moving a
--    completed task to another date paid it again. complete_task now pays a custom task once ever (ledger key
--    diary_task:<id>) and refuses a paying custom completion on a date that already has custom_tasks_per_day of them
--    (deleted tasks' included), counted under the user-and-date lock check_custom_task takes.

alter table "diary"."diaries" add column "on_time" boolean not null default false;

alter table "diary"."profiles" add column "earning_streak" integer not null default 0;

alter table "diary"."profiles" add column "earning_streak_date" date;

alter table "diary"."profiles" add constraint "profiles_earning_streak_check" CHECK ((earning_streak >= 0)) not valid;

alter table "diary"."profiles" validate constraint "profiles_earning_streak_check";

set check_function_bodies = off;

CREATE OR REPLACE FUNCTION diary.stamp_on_time()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
begin
  if tg_op = 'UPDATE' and new.entry_date = old.entry_date then
    new.on_time := old.on_time;
  else
    -- An import (diary.importing, set for its transaction by the wx-storage importer) is never on time: what the phone
    -- earned for it is in the opening balance.
    new.on_time := new.entry_date = diary.local_date(diary.user_timezone(new.user_id))
                   and coalesce(current_setting('diary.importing', true), '') <> 'on';
  end if;
  return new;
end
$function$
;

CREATE OR REPLACE FUNCTION diary.complete_task(p_user_id uuid, p_task text, p_date date)
 RETURNS jsonb
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_today date := diary.local_date(diary.user_timezone(p_user_id));
  v_custom diary.custom_tasks;
  v_system diary.system_tasks;
  v_completion diary.task_completions;
  v_posted internal.wallet_posting;
  v_replayed boolean := false;
  v_points integer;
  v_per_day integer := coalesce((diary.setting('points_rules', '{custom_tasks_per_day}'))::integer, 0);
begin
  if p_task ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select * into v_custom from diary.custom_tasks t where t.id = p_task::uuid and t.user_id = p_user_id and t.deleted_at is null;
  else
    select * into v_system from diary.system_tasks t where t.key = p_task;
  end if;
  if v_custom.id is null and v_system.key is null then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('There is no task %s.', p_task);
  end if;
  if v_custom.id is not null then
    -- One writer per user and date, the lock diary.check_custom_task() takes too: two completions cannot both take the
    -- day's last paid place, and a retry waiting here then finds the first one's completion below.
    perform pg_catalog.pg_advisory_xact_lock(
      pg_catalog.hashtextextended(format('diary-custom-tasks:%s:%s', p_user_id, p_date), 0));
  end if;

  select * into v_completion from diary.task_completions c
   where c.user_id = p_user_id and c.task_date = p_date
     and (c.custom_task_id = v_custom.id or c.system_task_key = v_system.key);
  if v_completion.id is null then
    if p_date is null or p_date > v_today then
      raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
        detail = format('%s is in the future where you are: a task is completed on its day.', coalesce(p_date::text, 'No date'));
    end if;
    if p_date < v_today - 1 then
      raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
        detail = format('%s is past: a task can be completed for today or yesterday.', p_date);
    end if;
    if v_custom.task_date <> p_date then
      raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
        detail = format('This task is for %s.', v_custom.task_date);
    end if;
    if not v_system.active then
      raise exception using errcode = 'P0001', message = 'BUSINESS_RULE_VIOLATION', detail = 'This task is no longer offered.';
    end if;
    v_points := coalesce(v_system.points_reward, v_custom.points_reward);
    if v_custom.id is not null and v_points > 0 then
      if exists (select 1 from diary.task_completions c
                  where c.user_id = p_user_id and c.custom_task_id = v_custom.id and c.points_granted > 0) then
        -- A custom task pays once ever: moved to another date and completed there, it earns nothing more.
        v_points := 0;
      elsif (select count(*) from diary.task_completions c
              where c.user_id = p_user_id and c.task_date = p_date and c.custom_task_id is not null
                and c.points_granted > 0) >= v_per_day then
        -- Deleted tasks' completions count too: deleting done tasks and making new ones does not make more to earn.
        raise exception using errcode = 'P0001', message = 'BUSINESS_RULE_VIOLATION',
          detail = format('Custom tasks earn points at most %s times a day, and %s is full: this one cannot be '
                          'completed.', v_per_day, p_date);
      end if;
    end if;
    insert into diary.task_completions (user_id, system_task_key, custom_task_id, task_date, points_granted)
    values (p_user_id, v_system.key, v_custom.id, p_date, v_points)
    on conflict do nothing
    returning * into v_completion;
    if v_completion.id is null then
      -- The same completion arrived at the same moment and committed first: its result is the answer.
      return diary.complete_task(p_user_id, p_task, p_date);
    end if;
    if v_completion.points_granted > 0 then
      -- In the same transaction as the completion: a system task once per user, task and date, a custom task once
      -- ever (the ledger key says which).
      v_posted := diary.grant_once(p_user_id, v_completion.points_granted, 'reward',
                                   format('Task done: %s', coalesce(v_system.title ->> 'zh-CN', v_custom.title)),
                                   case when v_system.key is not null
                                        then format('diary_task:%s:%s', v_system.key, p_date)
                                        else format('diary_task:%s', v_custom.id) end,
                                   'diary_task', v_completion.id::text);
      update diary.task_completions set ledger_entry_id = (v_posted.entry).id where id = v_completion.id
      returning * into v_completion;
    end if;
  else
    v_replayed := true;
  end if;
  return jsonb_build_object(
    'completion', to_jsonb(v_completion),
    'entry', (select to_jsonb(e) from public.wallet_entries e where e.id = v_completion.ledger_entry_id),
    'balance', diary.points_balance(p_user_id),
    'replayed', v_replayed);
end
$function$
;

CREATE OR REPLACE FUNCTION diary.grant_diary_rewards(p_profile diary.profiles, p_diary diary.diaries)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
declare
  v_today date := diary.local_date(p_profile.timezone);
  v_first integer := coalesce((diary.setting('points_rules', '{first_diary_of_day}'))::integer, 0);
  v_streak integer;
  v_bonus integer;
begin
  -- Only today's live, non-draft diary written on its own day earns: back-dated and imported diaries never do.
  if p_diary.deleted_at is not null or p_diary.is_draft or not p_diary.on_time or p_diary.entry_date <> v_today then
    return;
  end if;
  if v_first > 0 then
    perform diary.grant_once(p_diary.user_id, v_first, 'reward', 'First diary of the day',
                             format('diary_day:%s', p_diary.entry_date), 'diary', p_diary.id::text);
  end if;
  -- The earning streak counts today once (the row lock makes a concurrent rerun find it counted); running the rules
  -- again the same day (a draft flipped, a diary deleted and rewritten) counts nothing and so pays nothing.
  update diary.profiles p
     set earning_streak = case when p.earning_streak_date = v_today - 1 then p.earning_streak + 1 else 1 end,
         earning_streak_date = v_today
   where p.user_id = p_diary.user_id and p.earning_streak_date is distinct from v_today
  returning p.earning_streak into v_streak;
  if not found then
    return;
  end if;
  -- A threshold pays on the day the streak reaches it, so once per streak.
  v_bonus := (diary.setting('points_rules', array['streak_bonuses', v_streak::text]))::integer;
  if v_bonus > 0 then
    perform diary.grant_once(p_diary.user_id, v_bonus, 'reward', format('%s-day diary streak', v_streak),
                             format('diary_streak:%s:%s', v_streak, v_today), 'diary_streak', v_today::text);
  end if;
end
$function$
;

CREATE TRIGGER stamp_on_time BEFORE INSERT OR UPDATE OF entry_date ON diary.diaries FOR EACH ROW EXECUTE FUNCTION diary.stamp_on_time();

revoke all on function diary.stamp_on_time() from public;

comment on function diary.stamp_on_time() is 'Before a diary is written or its date changes: sets on_time, whether it is written on its own day (its date is the owner''s today) and not imported (the transaction setting diary.importing = on). Other edits keep it, so re-saving or re-publishing a diary later changes nothing. Security definer: it asks diary.user_timezone(), which clients cannot call.';

comment on column diary.diaries.on_time is 'Written on its own day: its date was the owner''s today when it was written or moved there, and not by an import. Only such a diary earns (diary.grant_diary_rewards). Set by diary.stamp_on_time(); clients cannot write it.';

comment on column diary.profiles.earning_streak is 'The streak bonuses count: consecutive local days, ending at earning_streak_date, on which a diary written on its own day (diaries.on_time) went live. Counted once per day when it happens and never recomputed, so back-dated, imported, deleted or re-published diaries cannot change it. Written by diary.grant_diary_rewards() only.';

comment on column diary.profiles.earning_streak_date is 'The last local day earning_streak counted (null: never).';

comment on function diary.grant_diary_rewards(p_profile diary.profiles, p_diary diary.diaries) is 'The diary earning rules, run by the diary trigger after the counters, for a live non-draft diary of the user''s today written on its day (on_time): points_rules.first_diary_of_day once per date (ledger key diary_day:<date>); the day counted once into the profile''s earning_streak; and the streak_bonuses threshold equal to the streak on the day it is reached (diary_streak:<days>:<that day>). Back-dated or imported diaries earn nothing and do not count toward the streak.';

comment on function diary.complete_task(p_user_id uuid, p_task text, p_date date) is 'Completes a task for a user on a local date (p_task: a system task key, or the id of the user''s own custom task) and grants its points_reward through the ledger, in one transaction, once per user, task and date: a repeat answers the first result with replayed = true. A custom task pays once ever (ledger key diary_task:<id>; completed again after a move it earns 0), and a date''s paying custom completions, deleted tasks'' included, are at most points_rules.custom_tasks_per_day, counted under the user-and-date lock diary.check_custom_task() takes. Returns {completion, entry, balance, replayed}. P0001 NOT_FOUND: no such task (or another user''s); VALIDATION_FAILED: a date in the future or before yesterday (user''s timezone), or not the custom task''s date; BUSINESS_RULE_VIOLATION: a system task no longer active, or a paying custom task on a date whose custom completions already earned custom_tasks_per_day times (nothing is recorded). Security definer: called by the API as the service role with the caller''s id.';
