-- PicKitchen (seed: pickitchen.md): remote config (Nacos → public.app_config), the emoji face detections
-- (cached per image, free) and the emoji video tasks (charged on acceptance, refunded once on failure), run
-- by the worker through the DashScope adapter; plus job snoozing for pipelines that poll a provider.

-- Remote config -------------------------------------------------------------------------------------------

create table public.app_config (
  app_id public.app_id not null references public.apps (id),
  key text not null check (key ~ '^[a-z0-9_]{1,64}$'),
  value jsonb not null,
  description text,
  updated_at timestamptz not null default now(),
  primary key (app_id, key)
);
comment on table public.app_config is
  'Remote config per app, one JSON document per key (styles, banners, points_rules…), edited in Studio and served by GET /{app}/config on the next request. Public to the apps: never put a secret here.';

alter table public.app_config enable row level security;
revoke all on public.app_config from anon, authenticated, service_role;
grant select on public.app_config to anon, authenticated;
grant select, insert, update, delete on public.app_config to service_role;
create policy "anyone can read app config" on public.app_config for select to anon, authenticated using (true);
create policy "service role can read app config" on public.app_config for select to service_role using (true);
create policy "service role can add app config" on public.app_config for insert to service_role with check (true);
create policy "service role can change app config" on public.app_config for update to service_role using (true) with check (true);
create policy "service role can remove app config" on public.app_config for delete to service_role using (true);

create trigger app_config_set_updated_at before update on public.app_config
  for each row execute function internal.set_updated_at();

create or replace function internal.emoji_template(p_driven_id text)
returns table (driven_id text, name text, points integer)
language sql
stable
security definer
set search_path = ''
as $$
  select t ->> 'driven_id', t ->> 'name',
         coalesce((t ->> 'points')::integer, (select (r.value ->> 'emoji')::integer from public.app_config r where r.app_id = 'pickitchen' and r.key = 'points_rules'))
    from public.app_config c,
         jsonb_array_elements(c.value) category,
         jsonb_array_elements(category -> 'templates') t
   where c.app_id = 'pickitchen' and c.key = 'styles' and t ->> 'driven_id' = p_driven_id
     and coalesce((t ->> 'enabled')::boolean, true)
   limit 1
$$;
comment on function internal.emoji_template(text) is
  'A PicKitchen template from the styles config: its name and point price (its own "points", else points_rules.emoji).';
revoke execute on function internal.emoji_template(text) from public;

-- Detections ----------------------------------------------------------------------------------------------

create table pickitchen.emoji_detections (
  user_id uuid not null references auth.users (id) on delete cascade,
  image_path text not null,
  passed boolean not null,
  face_bbox integer[] check (face_bbox is null or cardinality(face_bbox) = 4),
  ext_bbox integer[] check (ext_bbox is null or cardinality(ext_bbox) = 4),
  reason text check (reason in ('no_face', 'multiple_faces', 'policy', 'invalid_image')),
  message text,
  provider text not null,
  created_at timestamptz not null default now(),
  primary key (user_id, image_path),
  check (passed = (reason is null))
);
comment on table pickitchen.emoji_detections is
  'The face detection of an uploaded image (free, done once per image): the boxes the video model needs, or why the image was refused.';

alter table pickitchen.emoji_detections enable row level security;
revoke all on pickitchen.emoji_detections from anon, authenticated, service_role;
grant select on pickitchen.emoji_detections to authenticated, service_role;
create policy "users can read own detections" on pickitchen.emoji_detections for select to authenticated using (user_id = (select auth.uid()));
create policy "service role can read detections" on pickitchen.emoji_detections for select to service_role using (true);

create or replace function internal.emoji_detection_record(
  p_user_id uuid, p_image_path text, p_passed boolean, p_face_bbox integer[], p_ext_bbox integer[], p_reason text, p_message text, p_provider text
) returns pickitchen.emoji_detections
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row pickitchen.emoji_detections;
begin
  insert into pickitchen.emoji_detections (user_id, image_path, passed, face_bbox, ext_bbox, reason, message, provider)
  values (p_user_id, p_image_path, p_passed, p_face_bbox, p_ext_bbox, p_reason, p_message, p_provider)
  on conflict (user_id, image_path) do nothing
  returning * into v_row;
  if v_row.user_id is null then
    -- Two detections of one image raced: the first one stays the answer.
    select * into v_row from pickitchen.emoji_detections d where d.user_id = p_user_id and d.image_path = p_image_path;
  end if;
  return v_row;
end
$$;
comment on function internal.emoji_detection_record(uuid, text, boolean, integer[], integer[], text, text, text) is
  'Caches the detection of an image (the first one wins). Security definer: clients cannot write detections.';
revoke execute on function internal.emoji_detection_record(uuid, text, boolean, integer[], integer[], text, text, text) from public;
grant execute on function internal.emoji_detection_record(uuid, text, boolean, integer[], integer[], text, text, text) to service_role;

-- Tasks ---------------------------------------------------------------------------------------------------

create table pickitchen.emoji_tasks (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  task_type text not null default 'emoji' check (task_type = 'emoji'),
  image_path text not null,
  driven_id text not null,
  style_name text not null,
  points_cost integer not null check (points_cost >= 0),
  status text not null default 'pending' check (status in ('pending', 'processing', 'completed', 'failed')),
  provider text,
  provider_task_id text,
  result_path text,
  error_code text,
  error_message text,
  refunded boolean not null default false,
  idempotency_key text check (char_length(idempotency_key) between 1 and 200),
  -- Past this the task fails (and is refunded) whatever the provider says.
  deadline_at timestamptz not null,
  hidden_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  completed_at timestamptz,
  constraint emoji_tasks_idempotency_key unique (user_id, idempotency_key)
);
comment on table pickitchen.emoji_tasks is
  'Emoji video generation: pending → processing → completed (video in the results bucket) or failed (points refunded once). Owners read their visible tasks (or subscribe through Realtime); only the backend writes.';

create index emoji_tasks_history_idx on pickitchen.emoji_tasks (user_id, created_at desc, id desc) where hidden_at is null;

alter table pickitchen.emoji_tasks enable row level security;
revoke all on pickitchen.emoji_tasks from anon, authenticated, service_role;
grant select on pickitchen.emoji_tasks to authenticated, service_role;
create policy "users can read own visible emoji tasks" on pickitchen.emoji_tasks for select to authenticated
  using (user_id = (select auth.uid()) and hidden_at is null);
create policy "service role can read emoji tasks" on pickitchen.emoji_tasks for select to service_role using (true);

create trigger emoji_tasks_set_updated_at before update on pickitchen.emoji_tasks
  for each row execute function internal.set_updated_at();

alter publication supabase_realtime add table pickitchen.emoji_tasks;

create or replace function internal.emoji_task_create(
  p_user_id uuid, p_image_path text, p_driven_id text, p_idempotency_key text, p_deadline interval
) returns pickitchen.emoji_tasks
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_task pickitchen.emoji_tasks;
  v_template record;
begin
  if p_idempotency_key is not null then
    select * into v_task from pickitchen.emoji_tasks t where t.user_id = p_user_id and t.idempotency_key = p_idempotency_key;
    if found then
      if v_task.image_path <> p_image_path or v_task.driven_id <> p_driven_id then
        raise exception using errcode = 'P0001', message = 'IDEMPOTENCY_CONFLICT', detail = 'This Idempotency-Key was used for another emoji task.';
      end if;
      return v_task;
    end if;
  end if;
  if not exists (select 1 from pickitchen.emoji_detections d where d.user_id = p_user_id and d.image_path = p_image_path and d.passed) then
    raise exception using errcode = 'P0001', message = 'BUSINESS_RULE_VIOLATION',
      detail = 'This image has not passed face detection: call emoji/detect with it first.';
  end if;
  select * into v_template from internal.emoji_template(p_driven_id);
  if v_template.driven_id is null then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = format('There is no template %s.', p_driven_id);
  end if;

  insert into pickitchen.emoji_tasks (user_id, image_path, driven_id, style_name, points_cost, idempotency_key, deadline_at)
  values (p_user_id, p_image_path, p_driven_id, v_template.name, v_template.points, p_idempotency_key, now() + p_deadline)
  returning * into v_task;
  if v_task.points_cost > 0 then
    -- Charged in the same transaction as the task: no task without its charge, no charge without its task.
    perform public.wallet_post('pickitchen', p_user_id, 'points', -v_task.points_cost, 'consume',
                               format('Emoji video: %s', v_task.style_name), format('emoji_task:%s:charge', v_task.id), 'emoji_task', v_task.id::text);
  end if;
  perform internal.enqueue_job('pickitchen.emoji', jsonb_build_object('task_id', v_task.id), v_task.id::text, now(), 0, 8);
  return v_task;
end
$$;
comment on function internal.emoji_task_create(uuid, text, text, text, interval) is
  'Accepts an emoji video task: needs a passed detection of the image and a known template; charges the template''s points and enqueues the job, all in one transaction. Idempotent per key.';
revoke execute on function internal.emoji_task_create(uuid, text, text, text, interval) from public;
grant execute on function internal.emoji_task_create(uuid, text, text, text, interval) to service_role;

create or replace function internal.emoji_task_started(p_id uuid, p_provider text, p_provider_task_id text) returns pickitchen.emoji_tasks
language sql
security definer
set search_path = ''
as $$
  -- The first provider task recorded stays: a second worker that raced gets the first one back.
  update pickitchen.emoji_tasks
     set status = 'processing', provider = coalesce(provider, p_provider), provider_task_id = coalesce(provider_task_id, p_provider_task_id),
         started_at = coalesce(started_at, now())
   where id = p_id and status in ('pending', 'processing')
  returning *
$$;
comment on function internal.emoji_task_started(uuid, text, text) is 'Records the provider''s task of an emoji task (once) and marks it processing.';
revoke execute on function internal.emoji_task_started(uuid, text, text) from public;
grant execute on function internal.emoji_task_started(uuid, text, text) to service_role;

create or replace function internal.emoji_task_finish(p_id uuid, p_status text, p_result_path text, p_error_code text, p_error_message text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_task pickitchen.emoji_tasks;
begin
  if p_status not in ('completed', 'failed') then
    raise exception using errcode = '22023', message = format('not a task outcome: %s', p_status);
  end if;
  -- Once: a second worker or a replay finds the task finished and changes nothing (no second refund). A task
  -- its owner deleted while it ran ends failed ('deleted', refunded) and keeps no video.
  update pickitchen.emoji_tasks
     set status = case when hidden_at is null then p_status else 'failed' end,
         result_path = case when hidden_at is null then p_result_path end,
         error_code = case when hidden_at is null then p_error_code else 'deleted' end,
         error_message = case when hidden_at is null then p_error_message else 'Deleted before it finished.' end,
         completed_at = now(),
         refunded = (hidden_at is not null or p_status = 'failed') and points_cost > 0
   where id = p_id and status in ('pending', 'processing')
  returning * into v_task;
  if v_task.id is null then
    return false;
  end if;
  if v_task.refunded then
    perform public.wallet_post('pickitchen', v_task.user_id, 'points', v_task.points_cost, 'refund',
                               format('Emoji video failed: %s', v_task.style_name), format('emoji_task:%s:refund', v_task.id), 'emoji_task', v_task.id::text);
  end if;
  return v_task.status = p_status;
end
$$;
comment on function internal.emoji_task_finish(uuid, text, text, text, text) is
  'Finishes an emoji task once: completed with its video, or failed with the error and the points refunded. False when it was already finished, or deleted meanwhile (then it is failed and refunded, and the caller discards the video).';
revoke execute on function internal.emoji_task_finish(uuid, text, text, text, text) from public;
grant execute on function internal.emoji_task_finish(uuid, text, text, text, text) to service_role;

create or replace function internal.emoji_task_hide(p_user_id uuid, p_id uuid) returns pickitchen.emoji_tasks
language sql
security definer
set search_path = ''
as $$
  update pickitchen.emoji_tasks set hidden_at = now()
   where id = p_id and user_id = p_user_id and hidden_at is null
  returning *
$$;
comment on function internal.emoji_task_hide(uuid, uuid) is 'Removes an emoji task from its owner''s history (the caller then deletes its video); null when it is not theirs or already gone.';
revoke execute on function internal.emoji_task_hide(uuid, uuid) from public;
grant execute on function internal.emoji_task_hide(uuid, uuid) to service_role;

-- Job snoozing --------------------------------------------------------------------------------------------

create or replace function internal.snooze_job(p_id bigint, p_worker text, p_run_at timestamptz) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Waiting for someone else (a provider still rendering) is not a failed attempt: the claim's count is undone.
  update internal.jobs set status = 'queued', run_at = p_run_at, locked_until = null, locked_by = null, attempts = greatest(attempts - 1, 0)
   where id = p_id and status = 'running' and locked_by = p_worker;
  return found;
end
$$;
comment on function internal.snooze_job(bigint, text, timestamptz) is 'Puts a job this worker holds back in the queue until p_run_at without counting an attempt (polling pipelines).';
revoke execute on function internal.snooze_job(bigint, text, timestamptz) from public;
grant execute on function internal.snooze_job(bigint, text, timestamptz) to service_role;

-- Config facts that live elsewhere, served with the config document so they are never stored twice.
create or replace function public.app_config_derived(p_app_id public.app_id) returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_strip_nulls(jsonb_build_object('weekly_reward', (
    select jsonb_build_object('enabled', true, 'amount', p.grant_amount, 'currency', p.currency, 'product_id', p.id,
                              'schedule', 'Mondays 00:00 UTC, once per ISO week')
      from public.products p
     where p.app_id = p_app_id and p.kind = 'subscription' and p.plan = 'weekly' and p.grant_amount > 0
     order by p.id limit 1)))
$$;
comment on function public.app_config_derived(public.app_id) is
  'Config entries derived from their sources (the weekly VIP reward from its product), merged into GET /{app}/config.';
revoke execute on function public.app_config_derived(public.app_id) from public;
grant execute on function public.app_config_derived(public.app_id) to anon, authenticated, service_role;
