-- Growth Diary's picture task polls DashScope's asynchronous task across worker runs instead of inside one (issue 23):
-- public.ai_tasks.provider_task_id keeps the model provider's task once submitted, and internal.ai_task_started()
-- records it once (the first recorded stays), so a retried or concurrent run polls that task and never submits a
-- second one.

alter table public.ai_tasks add column provider_task_id text;

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
