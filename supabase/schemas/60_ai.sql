-- AI: usage accounting and the asynchronous AI tasks the apps poll.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

-- public.ai_tasks ---------------------------------------------------------------------------------------------------

create table public.ai_tasks (
    id uuid default gen_random_uuid() not null,
    app_id public.app_id not null,
    user_id uuid not null,
    kind text not null,
    input jsonb default '{}'::jsonb not null,
    status text default 'pending'::text not null,
    result jsonb,
    error text,
    fallback boolean default false not null,
    charge_amount integer default 0 not null,
    charge_currency text,
    refunded boolean default false not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    provider_task_id text,
    constraint ai_tasks_charge_amount_check check ((charge_amount >= 0)),
    constraint ai_tasks_kind_check check ((kind ~ '^[a-z0-9_.]{1,64}$'::text)),
    constraint ai_tasks_status_check check ((status = any (array['pending'::text, 'processing'::text, 'completed'::text, 'failed'::text])))
);
revoke all on table public.ai_tasks from anon, authenticated, service_role;

comment on table public.ai_tasks is 'An AI job of a user: pending → processing → completed (result, possibly a template fallback) or failed (error, charge refunded). Owners read it or subscribe through Realtime; only the backend writes.';

alter table only public.ai_tasks
    add constraint ai_tasks_pkey primary key (id);

create index ai_tasks_user_id_app_id_idx on public.ai_tasks using btree (user_id, app_id, created_at desc);

create trigger ai_tasks_set_updated_at before update on public.ai_tasks for each row execute function internal.set_updated_at();

alter table only public.ai_tasks
    add constraint ai_tasks_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table public.ai_tasks enable row level security;

create policy "service role can read ai tasks" on public.ai_tasks for select to service_role using (true);

create policy "users can read own ai tasks" on public.ai_tasks for select to authenticated using ((user_id = ( select auth.uid() as uid)));

alter publication supabase_realtime add table only public.ai_tasks;

grant select on table public.ai_tasks to authenticated;
grant select on table public.ai_tasks to service_role;

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

create function internal.ai_task_finish(p_id uuid, p_status text, p_result jsonb, p_error text, p_fallback boolean default false, p_refund boolean default false) returns boolean
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_task public.ai_tasks;
begin
  if p_status not in ('processing', 'completed', 'failed') then
    raise exception using errcode = '22023', message = format('not a task outcome: %s', p_status);
  end if;
  if p_status = 'processing' then
    update public.ai_tasks set status = 'processing', started_at = coalesce(started_at, now()) where id = p_id and status in ('pending', 'processing');
    return found;
  end if;
  -- Finishing happens once: a second worker (or a replay) finds the task already finished and changes nothing.
  update public.ai_tasks
     set status = p_status, result = p_result, error = p_error, fallback = coalesce(p_fallback, false), finished_at = now(),
         refunded = (p_status = 'failed' or p_refund) and charge_amount > 0
   where id = p_id and status in ('pending', 'processing')
  returning * into v_task;
  if v_task.id is null then
    return false;
  end if;
  if v_task.refunded then
    perform public.wallet_post(v_task.app_id, v_task.user_id, v_task.charge_currency, v_task.charge_amount, 'refund',
                               format('AI: %s refunded', v_task.kind), format('ai_task:%s:refund', v_task.id), 'ai_task', v_task.id::text);
  end if;
  return true;
end
$$;

comment on function internal.ai_task_finish(p_id uuid, p_status text, p_result jsonb, p_error text, p_fallback boolean, p_refund boolean) is 'Moves a task to processing, or finishes it once (completed or failed); a failed task, or one whose output was blocked, gets its charge back once.';

revoke all on function internal.ai_task_finish(p_id uuid, p_status text, p_result jsonb, p_error text, p_fallback boolean, p_refund boolean) from public;
grant all on function internal.ai_task_finish(p_id uuid, p_status text, p_result jsonb, p_error text, p_fallback boolean, p_refund boolean) to service_role;

comment on column public.ai_tasks.provider_task_id is 'The model provider''s own task (an asynchronous picture, say), recorded once when submitted: later runs poll it and never submit again.';

create function internal.ai_task_started(p_id uuid, p_provider_task_id text) returns text
    language sql security definer
    set search_path to ''
    as $$
  -- The first provider task recorded stays: a run that raced another one gets the first one back and follows it.
  update public.ai_tasks
     set status = 'processing', provider_task_id = coalesce(provider_task_id, p_provider_task_id),
         started_at = coalesce(started_at, now())
   where id = p_id and status in ('pending', 'processing')
  returning provider_task_id
$$;

comment on function internal.ai_task_started(p_id uuid, p_provider_task_id text) is 'Records the provider''s task of an AI task (once) and returns the one recorded; null when the task already finished.';

revoke all on function internal.ai_task_started(p_id uuid, p_provider_task_id text) from public;
grant all on function internal.ai_task_started(p_id uuid, p_provider_task_id text) to service_role;

-- internal.ai_usage -------------------------------------------------------------------------------------------------

create table internal.ai_usage (
    id bigint not null,
    app_id public.app_id not null,
    user_id uuid,
    use_case text not null,
    prompt_version text,
    model text not null,
    provider text not null,
    tokens_in integer default 0 not null,
    tokens_out integer default 0 not null,
    latency_ms integer not null,
    cost_micros bigint default 0 not null,
    outcome text not null,
    streamed boolean default false not null,
    error text,
    created_at timestamp with time zone default now() not null,
    constraint ai_usage_outcome_check check ((outcome = any (array['success'::text, 'error'::text, 'timeout'::text, 'rate_limited'::text, 'malformed'::text, 'fallback'::text]))),
    constraint ai_usage_use_case_check check (((char_length(use_case) >= 1) and (char_length(use_case) <= 64)))
);

comment on table internal.ai_usage is 'One row per model call (and per template fallback) of the AI gateway. Server-only; quotas count successful calls per user and day.';

alter table internal.ai_usage alter column id add generated always as identity (
    SEQUENCE NAME internal.ai_usage_id_seq
    start with 1
    increment by 1
    no minvalue
    no maxvalue
    cache 1
);

alter table only internal.ai_usage
    add constraint ai_usage_pkey primary key (id);

create index ai_usage_created_at_idx on internal.ai_usage using btree (created_at);

create index ai_usage_quota_idx on internal.ai_usage using btree (user_id, app_id, created_at desc);

grant select,insert on table internal.ai_usage to service_role;

-- the per-user daily AI quota ------------------------------------------------------------------------------------------

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
