-- PicKitchen: emoji tasks and detections, and the weekly VIP points grant.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

-- pickitchen.emoji_detections ---------------------------------------------------------------------------------------

create table pickitchen.emoji_detections (
    user_id uuid not null,
    image_path text not null,
    passed boolean not null,
    face_bbox integer[],
    ext_bbox integer[],
    reason text,
    message text,
    provider text not null,
    created_at timestamp with time zone default now() not null,
    constraint emoji_detections_check check ((passed = (reason is null))),
    constraint emoji_detections_ext_bbox_check check (((ext_bbox is null) or (cardinality(ext_bbox) = 4))),
    constraint emoji_detections_face_bbox_check check (((face_bbox is null) or (cardinality(face_bbox) = 4))),
    constraint emoji_detections_reason_check check ((reason = any (array['no_face'::text, 'multiple_faces'::text, 'policy'::text, 'invalid_image'::text])))
);

comment on table pickitchen.emoji_detections is 'The face detection of an uploaded image (free, done once per image): the boxes the video model needs, or why the image was refused.';

alter table only pickitchen.emoji_detections
    add constraint emoji_detections_pkey primary key (user_id, image_path);

alter table only pickitchen.emoji_detections
    add constraint emoji_detections_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table pickitchen.emoji_detections enable row level security;

create policy "service role can read detections" on pickitchen.emoji_detections for select to service_role using (true);

create policy "users can read own detections" on pickitchen.emoji_detections for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table pickitchen.emoji_detections to authenticated;
grant select on table pickitchen.emoji_detections to service_role;

create function internal.emoji_detection_record(p_user_id uuid, p_image_path text, p_passed boolean, p_face_bbox integer[], p_ext_bbox integer[], p_reason text, p_message text, p_provider text) returns pickitchen.emoji_detections
    language plpgsql security definer
    set search_path to ''
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

comment on function internal.emoji_detection_record(p_user_id uuid, p_image_path text, p_passed boolean, p_face_bbox integer[], p_ext_bbox integer[], p_reason text, p_message text, p_provider text) is 'Caches the detection of an image (the first one wins). Security definer: clients cannot write detections.';

revoke all on function internal.emoji_detection_record(p_user_id uuid, p_image_path text, p_passed boolean, p_face_bbox integer[], p_ext_bbox integer[], p_reason text, p_message text, p_provider text) from public;
grant all on function internal.emoji_detection_record(p_user_id uuid, p_image_path text, p_passed boolean, p_face_bbox integer[], p_ext_bbox integer[], p_reason text, p_message text, p_provider text) to service_role;

-- pickitchen.emoji_tasks --------------------------------------------------------------------------------------------

create table pickitchen.emoji_tasks (
    id uuid default gen_random_uuid() not null,
    user_id uuid not null,
    task_type text default 'emoji'::text not null,
    image_path text not null,
    driven_id text not null,
    style_name text not null,
    points_cost integer not null,
    status text default 'pending'::text not null,
    provider text,
    provider_task_id text,
    result_path text,
    error_code text,
    error_message text,
    refunded boolean default false not null,
    idempotency_key text,
    deadline_at timestamp with time zone not null,
    hidden_at timestamp with time zone,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    constraint emoji_tasks_idempotency_key_check check (((char_length(idempotency_key) >= 1) and (char_length(idempotency_key) <= 200))),
    constraint emoji_tasks_points_cost_check check ((points_cost >= 0)),
    constraint emoji_tasks_status_check check ((status = any (array['pending'::text, 'processing'::text, 'completed'::text, 'failed'::text]))),
    constraint emoji_tasks_task_type_check check ((task_type = 'emoji'::text))
);

comment on table pickitchen.emoji_tasks is 'Emoji video generation: pending → processing → completed (video in the results bucket) or failed (points refunded once). Owners read their visible tasks (or subscribe through Realtime); only the backend writes.';

alter table only pickitchen.emoji_tasks
    add constraint emoji_tasks_idempotency_key unique (user_id, idempotency_key);

alter table only pickitchen.emoji_tasks
    add constraint emoji_tasks_pkey primary key (id);

create index emoji_tasks_history_idx on pickitchen.emoji_tasks using btree (user_id, created_at desc, id desc) where (hidden_at is null);

create trigger emoji_tasks_set_updated_at before update on pickitchen.emoji_tasks for each row execute function internal.set_updated_at();

alter table only pickitchen.emoji_tasks
    add constraint emoji_tasks_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table pickitchen.emoji_tasks enable row level security;

create policy "service role can read emoji tasks" on pickitchen.emoji_tasks for select to service_role using (true);

create policy "users can read own visible emoji tasks" on pickitchen.emoji_tasks for select to authenticated using (((user_id = ( select auth.uid() as uid)) and (hidden_at is null)));

alter publication supabase_realtime add table only pickitchen.emoji_tasks;

grant select on table pickitchen.emoji_tasks to authenticated;
grant select on table pickitchen.emoji_tasks to service_role;

create function internal.emoji_task_create(p_user_id uuid, p_image_path text, p_driven_id text, p_idempotency_key text, p_deadline interval) returns pickitchen.emoji_tasks
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_task pickitchen.emoji_tasks;
  v_template record;
  v_request jsonb := jsonb_build_object('image_path', p_image_path, 'driven_id', p_driven_id);
begin
  if p_idempotency_key is not null then
    v_task := jsonb_populate_record(null::pickitchen.emoji_tasks, internal.idempotent_row('pickitchen.emoji_tasks', p_user_id, p_idempotency_key, v_request));
    if v_task.id is not null then
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
  on conflict (user_id, idempotency_key) do nothing
  returning * into v_task;
  if v_task.id is null then
    -- A request with the same key created its task while this one was checking: that task is the answer.
    return jsonb_populate_record(null::pickitchen.emoji_tasks, internal.idempotent_row('pickitchen.emoji_tasks', p_user_id, p_idempotency_key, v_request));
  end if;
  if v_task.points_cost > 0 then
    -- Charged in the same transaction as the task: no task without its charge, no charge without its task.
    perform public.wallet_post('pickitchen', p_user_id, 'points', -v_task.points_cost, 'consume',
                               format('Emoji video: %s', v_task.style_name), format('emoji_task:%s:charge', v_task.id), 'emoji_task', v_task.id::text);
  end if;
  perform internal.enqueue_job('pickitchen.emoji', jsonb_build_object('task_id', v_task.id), v_task.id::text, now(), 0, 8);
  return v_task;
end
$$;

comment on function internal.emoji_task_create(p_user_id uuid, p_image_path text, p_driven_id text, p_idempotency_key text, p_deadline interval) is 'Accepts an emoji video task: needs a passed detection of the image and a known template; charges the template''s points and enqueues the job, all in one transaction. Idempotent per key, also for requests that arrive together.';

revoke all on function internal.emoji_task_create(p_user_id uuid, p_image_path text, p_driven_id text, p_idempotency_key text, p_deadline interval) from public;
grant all on function internal.emoji_task_create(p_user_id uuid, p_image_path text, p_driven_id text, p_idempotency_key text, p_deadline interval) to service_role;

create function internal.emoji_task_finish(p_id uuid, p_status text, p_result_path text, p_error_code text, p_error_message text) returns boolean
    language plpgsql security definer
    set search_path to ''
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

comment on function internal.emoji_task_finish(p_id uuid, p_status text, p_result_path text, p_error_code text, p_error_message text) is 'Finishes an emoji task once: completed with its video, or failed with the error and the points refunded. False when it was already finished, or deleted meanwhile (then it is failed and refunded, and the caller discards the video).';

revoke all on function internal.emoji_task_finish(p_id uuid, p_status text, p_result_path text, p_error_code text, p_error_message text) from public;
grant all on function internal.emoji_task_finish(p_id uuid, p_status text, p_result_path text, p_error_code text, p_error_message text) to service_role;

create function internal.emoji_task_hide(p_user_id uuid, p_id uuid) returns pickitchen.emoji_tasks
    language sql security definer
    set search_path to ''
    as $$
  update pickitchen.emoji_tasks set hidden_at = now()
   where id = p_id and user_id = p_user_id and hidden_at is null
  returning *
$$;

comment on function internal.emoji_task_hide(p_user_id uuid, p_id uuid) is 'Removes an emoji task from its owner''s history (the caller then deletes its video); null when it is not theirs or already gone.';

revoke all on function internal.emoji_task_hide(p_user_id uuid, p_id uuid) from public;
grant all on function internal.emoji_task_hide(p_user_id uuid, p_id uuid) to service_role;

create function internal.emoji_task_started(p_id uuid, p_provider text, p_provider_task_id text) returns pickitchen.emoji_tasks
    language sql security definer
    set search_path to ''
    as $$
  -- The first provider task recorded stays: a second worker that raced gets the first one back.
  update pickitchen.emoji_tasks
     set status = 'processing', provider = coalesce(provider, p_provider), provider_task_id = coalesce(provider_task_id, p_provider_task_id),
         started_at = coalesce(started_at, now())
   where id = p_id and status in ('pending', 'processing')
  returning *
$$;

comment on function internal.emoji_task_started(p_id uuid, p_provider text, p_provider_task_id text) is 'Records the provider''s task of an emoji task (once) and marks it processing.';

revoke all on function internal.emoji_task_started(p_id uuid, p_provider text, p_provider_task_id text) from public;
grant all on function internal.emoji_task_started(p_id uuid, p_provider text, p_provider_task_id text) to service_role;

create function internal.emoji_template(p_driven_id text) returns table(driven_id text, name text, points integer)
    language sql stable security definer
    set search_path to ''
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

comment on function internal.emoji_template(p_driven_id text) is 'A PicKitchen template from the styles config: its name and point price (its own "points", else points_rules.emoji).';

revoke all on function internal.emoji_template(p_driven_id text) from public;

create function internal.grant_weekly_vip_points_batch(p_week text default null::text, p_batch integer default 500, p_run_started timestamp with time zone default now()) returns integer
    language plpgsql
    set search_path to ''
    as $_$
declare
  v_week text := coalesce(p_week, to_char(now() at time zone 'UTC', 'IYYY-"W"IW'));
  v_sub record;
  v_done integer := 0;
begin
  if v_week !~ '^\d{4}-W\d{2}$' then
    raise exception using errcode = '22023', message = format('not an ISO week: %s', v_week);
  end if;
  for v_sub in
    select s.id, s.user_id, s.app_id, p.currency, p.grant_amount, p.title
      from public.subscriptions s
      join public.products p on p.id = s.product_id
     where s.app_id = 'pickitchen' and s.plan = 'weekly' and p.grant_amount > 0
       and s.status in ('active', 'cancelled', 'billing_issue')
       and s.current_period_end > now()
       and not exists (select 1 from public.wallet_entries e
                        where e.user_id = s.user_id and e.app_id = s.app_id and e.ref_type = 'vip_weekly_grant' and e.period = v_week)
       -- Whoever failed in this run waits for the next run.
       and not exists (select 1 from internal.job_failures f
                        where f.job = 'grant_weekly_vip_points' and f.subject = s.user_id::text and f.period = v_week and f.failed_at >= p_run_started)
     order by s.id
     limit p_batch
     for update of s skip locked
  loop
    begin
      perform public.wallet_post(v_sub.app_id, v_sub.user_id, v_sub.currency, v_sub.grant_amount, 'reward',
                                 format('%s: points of week %s', v_sub.title, v_week), format('vip_weekly_grant:%s', v_week),
                                 'vip_weekly_grant', v_sub.id::text, v_week);
    exception when others then
      insert into internal.job_failures (job, subject, period, error) values ('grant_weekly_vip_points', v_sub.user_id::text, v_week, sqlerrm);
    end;
    v_done := v_done + 1;
  end loop;
  return v_done;
end
$_$;

comment on function internal.grant_weekly_vip_points_batch(p_week text, p_batch integer, p_run_started timestamp with time zone) is 'Grants one batch of PicKitchen weekly VIP points for an ISO week (default: the current one); returns how many subscribers it handled, 0 when the week is done. Idempotent per user and week through the ledger''s period key; failures go to internal.job_failures and are retried by the next run.';

revoke all on function internal.grant_weekly_vip_points_batch(p_week text, p_batch integer, p_run_started timestamp with time zone) from public;
