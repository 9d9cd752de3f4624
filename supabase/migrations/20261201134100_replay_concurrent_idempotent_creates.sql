-- An emoji task or an order created with an Idempotency-Key answers every request with that key the same way, also
-- when the requests arrive together. Both looked the key up and, finding nothing, inserted: a second request racing
-- the first waited on the key's unique index and then failed with 23505, so seven of eight simultaneous emoji taps
-- answered 409 CONFLICT instead of the task. create_order already inserted with "on conflict do nothing", but took
-- whatever order then held the key without checking it was for the same product and quantity (or app).
-- Now both insert with "on conflict do nothing" and, when the key was taken meanwhile, answer as a sequential retry
-- would: the key's row if it is the same request, IDEMPOTENCY_CONFLICT if it is another. One look-up serves both
-- tables, before the insert (the common retry, which then runs no checks) and after it.

create or replace function internal.idempotent_row(p_table regclass, p_user_id uuid, p_idempotency_key text, p_request jsonb)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_row jsonb;
begin
  execute format('select to_jsonb(t) from %s t where t.user_id = $1 and t.idempotency_key = $2', p_table)
     into v_row using p_user_id, p_idempotency_key;
  if v_row is not null and not v_row @> p_request then
    raise exception using errcode = 'P0001', message = 'IDEMPOTENCY_CONFLICT',
      detail = 'This Idempotency-Key was used for another request; send a new key with a new request.';
  end if;
  return v_row;
end
$$;
comment on function internal.idempotent_row(regclass, uuid, text, jsonb) is
  'The row (as jsonb; null: none) that a user''s Idempotency-Key already made in a table with user_id and idempotency_key columns, when it holds the request''s values (p_request, by containment); otherwise IDEMPOTENCY_CONFLICT.';
revoke execute on function internal.idempotent_row(regclass, uuid, text, jsonb) from public;

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
comment on function internal.emoji_task_create(uuid, text, text, text, interval) is
  'Accepts an emoji video task: needs a passed detection of the image and a known template; charges the template''s points and enqueues the job, all in one transaction. Idempotent per key, also for requests that arrive together.';

create or replace function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer default 1, p_idempotency_key text default null)
returns public.orders
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
  v_order public.orders;
  -- Products belong to one app: the same product is the same app.
  v_request jsonb := jsonb_build_object('product_id', p_product_id, 'quantity', p_quantity);
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'NOT_AUTHENTICATED', detail = 'A signed-in user is required.';
  end if;
  perform 1 from public.products where id = p_product_id and app_id = p_app_id and active;
  if not found then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('There is no product %s in %s.', p_product_id, p_app_id);
  end if;
  if p_idempotency_key is not null then
    v_order := jsonb_populate_record(null::public.orders, internal.idempotent_row('public.orders', v_user, p_idempotency_key, v_request));
    if v_order.id is not null then
      return v_order;
    end if;
  end if;
  insert into public.orders (app_id, user_id, product_id, quantity, idempotency_key)
  values (p_app_id, v_user, p_product_id, p_quantity, p_idempotency_key)
  on conflict (user_id, idempotency_key) do nothing
  returning * into v_order;
  if v_order.id is null then
    -- A request with the same key created its order while this one was checking: that order is the answer.
    return jsonb_populate_record(null::public.orders, internal.idempotent_row('public.orders', v_user, p_idempotency_key, v_request));
  end if;
  return v_order;
end
$$;
comment on function public.create_order(public.app_id, text, integer, text) is
  'Creates the caller''s pending order for an active product of the app (its id goes to the store as the app account token); idempotent per Idempotency-Key, also for requests that arrive together. Security definer: orders have no client write grants.';
