-- Growth Diary's daily AI quota could be outrun (issue 23): the diary routes checked it against the successes metered
-- so far and then enqueued, so requests sent before the worker ran were all accepted, drawn and paid for. Accepting a
-- task may now pass a quota: internal.ai_task_create() then calls internal.ai_quota_check(), which takes a lock on the
-- user and app and counts today's successes plus the tasks accepted today still in flight (a failed task frees its
-- place), in the insert's transaction. internal.ai_successes_today() is the gateway's own count, now in one place.
-- Apps that pass no quota (coach, pickitchen) accept as before.

drop function internal.ai_task_create(p_app_id public.app_id, p_user_id uuid, p_kind text, p_input jsonb, p_charge_amount integer, p_charge_currency text, p_max_attempts integer);

create function internal.ai_successes_today(p_app_id public.app_id, p_user_id uuid) returns integer
    language sql stable
    set search_path to ''
    as $$
  select count(*)::integer from internal.ai_usage u
   where u.user_id = p_user_id and u.app_id = p_app_id and u.outcome = 'success'
     and u.created_at >= pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') at time zone 'UTC'
$$;

comment on function internal.ai_successes_today(p_app_id public.app_id, p_user_id uuid) is 'A user''s successful AI calls of an app since 00:00 UTC (internal.ai_usage): what the gateway''s daily quota counts before each model call.';

revoke all on function internal.ai_successes_today(p_app_id public.app_id, p_user_id uuid) from public;
grant all on function internal.ai_successes_today(p_app_id public.app_id, p_user_id uuid) to service_role;

create function internal.ai_quota_check(p_app_id public.app_id, p_user_id uuid, p_quota integer) returns void
    language plpgsql
    set search_path to ''
    as $$
declare
  v_used integer;
begin
  -- One accept per user and app at a time; the count below is a statement of its own and so sees the task an accept
  -- that held the lock before us committed.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(format('ai-quota:%s:%s', p_app_id, p_user_id), 0));
  -- What today already holds: the successes, and the tasks accepted today that have not finished (each will be one).
  -- A failed task is no success and frees its place.
  v_used := internal.ai_successes_today(p_app_id, p_user_id) + (
    select count(*)::integer from public.ai_tasks t
     where t.user_id = p_user_id and t.app_id = p_app_id and t.status in ('pending', 'processing')
       and t.created_at >= pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') at time zone 'UTC');
  if v_used >= p_quota then
    raise exception using errcode = 'P0001', message = 'AI_QUOTA_EXCEEDED',
      detail = format('Today''s AI allowance (%s) for this app is used up; it renews at 00:00 UTC.', p_quota),
      hint = format('%s/%s', v_used, p_quota);
  end if;
end
$$;

comment on function internal.ai_quota_check(p_app_id public.app_id, p_user_id uuid, p_quota integer) is 'Before a task is accepted (internal.ai_task_create with a quota): raises AI_QUOTA_EXCEEDED (HINT used/quota) when the user''s successes today plus their tasks accepted today and still in flight reach the quota. Takes a transaction lock on the user and app first, so concurrent accepts cannot overfill the day.';

revoke all on function internal.ai_quota_check(p_app_id public.app_id, p_user_id uuid, p_quota integer) from public;
grant all on function internal.ai_quota_check(p_app_id public.app_id, p_user_id uuid, p_quota integer) to service_role;

create function internal.ai_task_create(p_app_id public.app_id, p_user_id uuid, p_kind text, p_input jsonb, p_charge_amount integer default 0, p_charge_currency text default null::text, p_max_attempts integer default 3, p_daily_quota integer default null::integer) returns public.ai_tasks
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_task public.ai_tasks;
begin
  if p_daily_quota is not null then
    -- Checked with the insert, under the quota's lock: two accepts cannot both take the last place.
    perform internal.ai_quota_check(p_app_id, p_user_id, p_daily_quota);
  end if;
  insert into public.ai_tasks (app_id, user_id, kind, input, charge_amount, charge_currency)
  values (p_app_id, p_user_id, p_kind, coalesce(p_input, '{}'::jsonb), coalesce(p_charge_amount, 0), p_charge_currency)
  returning * into v_task;
  if v_task.charge_amount > 0 then
    -- Charged on acceptance, in the same transaction: no task without its charge, no charge without its task.
    perform public.wallet_post(p_app_id, p_user_id, p_charge_currency, -v_task.charge_amount, 'consume',
                               format('AI: %s', p_kind), format('ai_task:%s:charge', v_task.id), 'ai_task', v_task.id::text);
  end if;
  perform internal.enqueue_job('ai.task', jsonb_build_object('task_id', v_task.id), v_task.id::text, now(), 0, p_max_attempts);
  return v_task;
end
$$;

comment on function internal.ai_task_create(p_app_id public.app_id, p_user_id uuid, p_kind text, p_input jsonb, p_charge_amount integer, p_charge_currency text, p_max_attempts integer, p_daily_quota integer) is 'Accepts an AI task: the row, its charge through the ledger and its job, in one transaction. With p_daily_quota, first refuses (AI_QUOTA_EXCEEDED) a user whose day is used up (internal.ai_quota_check). Security definer: no client writes.';

revoke all on function internal.ai_task_create(p_app_id public.app_id, p_user_id uuid, p_kind text, p_input jsonb, p_charge_amount integer, p_charge_currency text, p_max_attempts integer, p_daily_quota integer) from public;
grant all on function internal.ai_task_create(p_app_id public.app_id, p_user_id uuid, p_kind text, p_input jsonb, p_charge_amount integer, p_charge_currency text, p_max_attempts integer, p_daily_quota integer) to service_role;
