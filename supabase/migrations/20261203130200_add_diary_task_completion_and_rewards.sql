-- Growth Diary's earning rules (issue 23): diary.complete_task() and the diary rewards, all through the ledger.
--
-- Why: the design's POST points/add let a client grant itself points; here every way to earn is a server rule in
-- SQL, in the same transaction as what earns it, once: a task's points_reward once per user, task and local date
-- (a repeat answers the first result); a first non-draft diary of the user's today (points_rules.first_diary_of_day,
-- once per date) and streak bonuses (points_rules.streak_bonuses, each threshold once per streak), fired by the diary
-- trigger. diary.grant_once() is the one credit path: a ledger key posted once ever, even if an admin changes an
-- amount in remote config meanwhile. Tasks can be completed for today or yesterday only (user's timezone), so past
-- days cannot be mined for points.

select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function diary.grant_once(p_user_id uuid, p_amount bigint, p_kind text, p_reason text, p_key text, p_ref_type text, p_ref_id text) returns internal.wallet_posting
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_account public.wallet_accounts := internal.wallet_account_locked('diary', p_user_id, 'points');
  v_entry public.wallet_entries;
begin
  -- Under the account's lock, "was this key ever posted?" is race-free. A key already posted answers that entry,
  -- whatever its amount: a grant is once, even after an admin changed the amount in remote config.
  select * into v_entry from public.wallet_entries e where e.account_id = v_account.id and e.idempotency_key = p_key;
  if found then
    return row(v_entry, true)::internal.wallet_posting;
  end if;
  return internal.wallet_post_locked(v_account, p_amount, p_kind, p_reason, p_key, p_ref_type, p_ref_id, null);
end
$$;

comment on function diary.grant_once(p_user_id uuid, p_amount bigint, p_kind text, p_reason text, p_key text, p_ref_type text, p_ref_id text) is 'Posts a Growth Diary points entry once per ledger key, ever: the entry, and replayed = true when the key was already posted (then nothing changes). The one way the diary rules credit points. Security definer: the ledger is written only through its functions.';

revoke all on function diary.grant_once(p_user_id uuid, p_amount bigint, p_kind text, p_reason text, p_key text, p_ref_type text, p_ref_id text) from public;
grant all on function diary.grant_once(p_user_id uuid, p_amount bigint, p_kind text, p_reason text, p_key text, p_ref_type text, p_ref_id text) to service_role;

create function diary.grant_diary_rewards(p_profile diary.profiles, p_diary diary.diaries) returns void
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_first integer := coalesce((diary.setting('points_rules', '{first_diary_of_day}'))::integer, 0);
  v_streak_start date := p_profile.last_diary_date - p_profile.continuous_days + 1;
  v_bonus record;
begin
  -- Only a live, non-draft diary for the user's today earns: back-dated and imported diaries never do.
  if p_diary.deleted_at is not null or p_diary.is_draft or p_diary.entry_date <> diary.local_date(p_profile.timezone) then
    return;
  end if;
  if v_first > 0 then
    perform diary.grant_once(p_diary.user_id, v_first, 'reward', 'First diary of the day',
                             format('diary_day:%s', p_diary.entry_date), 'diary', p_diary.id::text);
  end if;
  -- Each threshold once per streak: the key names the streak's first day.
  for v_bonus in
    select b.key::integer as days, b.value::integer as points
      from jsonb_each_text(coalesce(diary.setting('points_rules', '{streak_bonuses}'), '{}'::jsonb)) b
     where b.key ~ '^\d{1,4}$' and b.key::integer <= p_profile.continuous_days and b.value::integer > 0
  loop
    perform diary.grant_once(p_diary.user_id, v_bonus.points, 'reward', format('%s-day diary streak', v_bonus.days),
                             format('diary_streak:%s:%s', v_bonus.days, v_streak_start), 'diary_streak', v_streak_start::text);
  end loop;
end
$$;

comment on function diary.grant_diary_rewards(p_profile diary.profiles, p_diary diary.diaries) is 'The diary earning rules, run by the diary trigger after the counters: a live non-draft diary for the user''s today earns points_rules.first_diary_of_day once per date (ledger key diary_day:<date>), and each streak_bonuses threshold the streak has reached once per streak (diary_streak:<days>:<first day>). Back-dated or imported diaries earn nothing.';

revoke all on function diary.grant_diary_rewards(p_profile diary.profiles, p_diary diary.diaries) from public;

create function diary.complete_task(p_user_id uuid, p_task text, p_date date) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $_$
declare
  v_today date := diary.local_date(diary.user_timezone(p_user_id));
  v_custom diary.custom_tasks;
  v_system diary.system_tasks;
  v_completion diary.task_completions;
  v_posted internal.wallet_posting;
  v_replayed boolean := false;
begin
  if p_task ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select * into v_custom from diary.custom_tasks t where t.id = p_task::uuid and t.user_id = p_user_id and t.deleted_at is null;
  else
    select * into v_system from diary.system_tasks t where t.key = p_task;
  end if;
  if v_custom.id is null and v_system.key is null then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('There is no task %s.', p_task);
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
    insert into diary.task_completions (user_id, system_task_key, custom_task_id, task_date, points_granted)
    values (p_user_id, v_system.key, v_custom.id, p_date, coalesce(v_system.points_reward, v_custom.points_reward))
    on conflict do nothing
    returning * into v_completion;
    if v_completion.id is null then
      -- The same completion arrived at the same moment and committed first: its result is the answer.
      return diary.complete_task(p_user_id, p_task, p_date);
    end if;
    if v_completion.points_granted > 0 then
      -- In the same transaction as the completion, once per user, task and date (the ledger key says which).
      v_posted := diary.grant_once(p_user_id, v_completion.points_granted, 'reward',
                                   format('Task done: %s', coalesce(v_system.title ->> 'zh-CN', v_custom.title)),
                                   format('diary_task:%s:%s', coalesce(v_system.key, v_custom.id::text), p_date),
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
    'balance', coalesce((select a.balance from public.wallet_accounts a
                          where a.app_id = 'diary' and a.user_id = p_user_id and a.currency = 'points'), 0),
    'replayed', v_replayed);
end
$_$;

comment on function diary.complete_task(p_user_id uuid, p_task text, p_date date) is 'Completes a task for a user on a local date (p_task: a system task key, or the id of the user''s own custom task) and grants its points_reward through the ledger, in one transaction, once per user, task and date: a repeat answers the first result with replayed = true. Returns {completion, entry, balance, replayed}. P0001 NOT_FOUND: no such task (or another user''s); VALIDATION_FAILED: a date in the future or before yesterday (user''s timezone), or not the custom task''s date; BUSINESS_RULE_VIOLATION: a system task no longer active. Security definer: called by the API as the service role with the caller''s id.';

revoke all on function diary.complete_task(p_user_id uuid, p_task text, p_date date) from public;
grant all on function diary.complete_task(p_user_id uuid, p_task text, p_date date) to service_role;

create or replace function diary.diaries_changed() returns trigger
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
  perform diary.grant_diary_rewards(diary.recompute_profile(new.user_id), new);
  return null;
end
$$;

comment on function diary.diaries_changed() is 'After a diary is added, deleted, tombstoned or revived, or its date or draft flag changes: recomputes its owner''s counters, then applies the earning rules (diary.grant_diary_rewards).';

revoke all on function diary.diaries_changed() from public;
