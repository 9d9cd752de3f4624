-- AI work the apps wait for (nightly review, tomorrow's plan, diary comments, companion replies): a task row the
-- owner can read or subscribe to (Realtime), run by the worker through the AI gateway. A task that costs points
-- or coins is charged when accepted and refunded, once, if it finally fails or its output is blocked.

create table public.ai_tasks (
  id uuid primary key default gen_random_uuid(),
  app_id public.app_id not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null check (kind ~ '^[a-z0-9_.]{1,64}$'),
  input jsonb not null default '{}'::jsonb,
  status text not null default 'pending' check (status in ('pending', 'processing', 'completed', 'failed')),
  result jsonb,
  error text,
  fallback boolean not null default false,
  charge_amount integer not null default 0 check (charge_amount >= 0),
  charge_currency text,
  refunded boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);
comment on table public.ai_tasks is 'An AI job of a user: pending → processing → completed (result, possibly a template fallback) or failed (error, charge refunded). Owners read it or subscribe through Realtime; only the backend writes.';

create index ai_tasks_user_id_app_id_idx on public.ai_tasks (user_id, app_id, created_at desc);

alter table public.ai_tasks enable row level security;
revoke all on public.ai_tasks from anon, authenticated, service_role;
grant select on public.ai_tasks to authenticated, service_role;
create policy "users can read own ai tasks" on public.ai_tasks for select to authenticated using (user_id = (select auth.uid()));
create policy "service role can read ai tasks" on public.ai_tasks for select to service_role using (true);

create trigger ai_tasks_set_updated_at before update on public.ai_tasks
  for each row execute function internal.set_updated_at();

alter publication supabase_realtime add table public.ai_tasks;

create or replace function internal.ai_task_create(
  p_app_id public.app_id,
  p_user_id uuid,
  p_kind text,
  p_input jsonb,
  p_charge_amount integer default 0,
  p_charge_currency text default null,
  p_max_attempts integer default 3
) returns public.ai_tasks
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_task public.ai_tasks;
begin
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
comment on function internal.ai_task_create(public.app_id, uuid, text, jsonb, integer, text, integer) is
  'Accepts an AI task: the row, its charge through the ledger and its job, in one transaction. Security definer: no client writes.';
revoke execute on function internal.ai_task_create(public.app_id, uuid, text, jsonb, integer, text, integer) from public;
grant execute on function internal.ai_task_create(public.app_id, uuid, text, jsonb, integer, text, integer) to service_role;

create or replace function internal.ai_task_finish(
  p_id uuid,
  p_status text,
  p_result jsonb,
  p_error text,
  p_fallback boolean default false,
  p_refund boolean default false
) returns boolean
language plpgsql
security definer
set search_path = ''
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
comment on function internal.ai_task_finish(uuid, text, jsonb, text, boolean, boolean) is
  'Moves a task to processing, or finishes it once (completed or failed); a failed task, or one whose output was blocked, gets its charge back once.';
revoke execute on function internal.ai_task_finish(uuid, text, jsonb, text, boolean, boolean) from public;
grant execute on function internal.ai_task_finish(uuid, text, jsonb, text, boolean, boolean) to service_role;
