-- Commerce: products, orders, subscriptions and entitlements, and the store webhooks' inbox.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function public.commerce_apply_subscription(p_user_id uuid, p_product_id text, p_store text, p_source text, p_original_transaction_id text, p_event_at timestamp with time zone, p_status text, p_will_renew boolean, p_period_start timestamp with time zone, p_period_end timestamp with time zone, p_grant_period boolean default false) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_product public.products;
  v_sub public.subscriptions;
  v_week text;
  v_granted boolean := false;
begin
  select * into v_product from public.products where id = p_product_id and kind = 'subscription';
  if not found then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('Unknown subscription product %s.', p_product_id);
  end if;
  select * into v_sub from public.subscriptions where store = p_store and original_transaction_id = p_original_transaction_id for update;
  if found and p_event_at < v_sub.last_event_at then
    -- A late retry of an older event: the newer state stands.
    return jsonb_build_object('result', 'stale', 'subscription_id', v_sub.id);
  end if;
  if found then
    update public.subscriptions set user_id = p_user_id, app_id = v_product.app_id, product_id = p_product_id, plan = v_product.plan,
           status = p_status, will_renew = p_will_renew,
           current_period_start = coalesce(p_period_start, current_period_start),
           current_period_end = case when v_product.plan = 'lifetime' then null else coalesce(p_period_end, current_period_end) end,
           cancelled_at = case when p_status = 'cancelled' and cancelled_at is null then p_event_at
                               when p_status = 'active' then null else cancelled_at end,
           last_event_at = p_event_at
     where id = v_sub.id returning * into v_sub;
  else
    insert into public.subscriptions (app_id, user_id, product_id, plan, status, will_renew, current_period_start, current_period_end,
                                      store, original_transaction_id, source, last_event_at, cancelled_at)
    values (v_product.app_id, p_user_id, p_product_id, v_product.plan, p_status, p_will_renew, p_period_start,
            case when v_product.plan = 'lifetime' then null else p_period_end end,
            p_store, p_original_transaction_id, p_source, p_event_at, case when p_status = 'cancelled' then p_event_at end)
    returning * into v_sub;
  end if;
  -- A new weekly VIP gets this week's points at once; the Monday job grants the following weeks.
  if p_grant_period and p_status = 'active' and v_product.plan = 'weekly' and v_product.grant_amount > 0 then
    v_week := to_char(p_event_at at time zone 'UTC', 'IYYY-"W"IW');
    perform public.wallet_post(v_product.app_id, p_user_id, v_product.currency, v_product.grant_amount, 'reward',
                               format('%s: points of week %s', v_product.title, v_week), format('vip_weekly_grant:%s', v_week),
                               'vip_weekly_grant', v_sub.id::text, v_week);
    v_granted := true;
  end if;
  return jsonb_build_object('result', 'applied', 'subscription_id', v_sub.id, 'granted', v_granted);
end
$$;
revoke all on function public.commerce_apply_subscription(uuid, text, text, text, text, timestamp with time zone, text, boolean, timestamp with time zone, timestamp with time zone, boolean) from anon, authenticated, service_role;

comment on function public.commerce_apply_subscription(p_user_id uuid, p_product_id text, p_store text, p_source text, p_original_transaction_id text, p_event_at timestamp with time zone, p_status text, p_will_renew boolean, p_period_start timestamp with time zone, p_period_end timestamp with time zone, p_grant_period boolean) is 'Applies a store''s subscription state if it is newer than the last applied event (per store and original transaction); a new weekly VIP gets the current ISO week''s points once. Security definer: subscriptions and the ledger have no write grants.';

revoke all on function public.commerce_apply_subscription(p_user_id uuid, p_product_id text, p_store text, p_source text, p_original_transaction_id text, p_event_at timestamp with time zone, p_status text, p_will_renew boolean, p_period_start timestamp with time zone, p_period_end timestamp with time zone, p_grant_period boolean) from public;
grant all on function public.commerce_apply_subscription(p_user_id uuid, p_product_id text, p_store text, p_source text, p_original_transaction_id text, p_event_at timestamp with time zone, p_status text, p_will_renew boolean, p_period_start timestamp with time zone, p_period_end timestamp with time zone, p_grant_period boolean) to service_role;

create function public.commerce_transfer_subscriptions(p_source text, p_from_user uuid, p_to_user uuid, p_event_at timestamp with time zone) returns integer
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_moved integer;
begin
  update public.subscriptions set user_id = p_to_user, last_event_at = greatest(last_event_at, p_event_at)
   where source = p_source and user_id = p_from_user and last_event_at <= p_event_at;
  get diagnostics v_moved = row_count;
  return v_moved;
end
$$;
revoke all on function public.commerce_transfer_subscriptions(text, uuid, uuid, timestamp with time zone) from anon, authenticated, service_role;

comment on function public.commerce_transfer_subscriptions(p_source text, p_from_user uuid, p_to_user uuid, p_event_at timestamp with time zone) is 'Moves a store account''s subscriptions to another user (RevenueCat TRANSFER: the same store account restored under a new app user). Security definer, as above.';

revoke all on function public.commerce_transfer_subscriptions(p_source text, p_from_user uuid, p_to_user uuid, p_event_at timestamp with time zone) from public;
grant all on function public.commerce_transfer_subscriptions(p_source text, p_from_user uuid, p_to_user uuid, p_event_at timestamp with time zone) to service_role;

-- public.products ---------------------------------------------------------------------------------------------------

create table public.products (
    id text not null,
    app_id public.app_id not null,
    kind text not null,
    plan text,
    currency text,
    grant_amount integer default 0 not null,
    app_store_product_id text,
    play_store_product_id text,
    title text not null,
    price_hint text,
    active boolean default true not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint products_grant_amount_check check ((grant_amount >= 0)),
    constraint products_grant_currency check (((grant_amount > 0) = (currency is not null))),
    constraint products_id_check check ((id ~ '^[a-z0-9_]+\.[a-z0-9_]+$'::text)),
    constraint products_kind_check check ((kind = any (array['subscription'::text, 'points_pack'::text, 'coins_pack'::text]))),
    constraint products_plan_check check ((plan = any (array['weekly'::text, 'monthly'::text, 'yearly'::text, 'lifetime'::text]))),
    constraint products_plan_for_subscriptions check (((kind = 'subscription'::text) = (plan is not null)))
);
revoke all on table public.products from anon, authenticated, service_role;

comment on table public.products is 'The catalog per app: subscriptions (plan) and point/coin packs (grant_amount), with their App Store and Play product ids. Catalog data from seed/; edited by admins.';

alter table only public.products
    add constraint products_app_store_product_id_key unique (app_store_product_id);

alter table only public.products
    add constraint products_pkey primary key (id);

alter table only public.products
    add constraint products_play_store_product_id_key unique (play_store_product_id);

create index products_app_id_idx on public.products using btree (app_id);

create trigger products_set_updated_at before update on public.products for each row execute function internal.set_updated_at();

alter table only public.products
    add constraint products_app_id_fkey foreign key (app_id) references public.apps(id);

alter table only public.products
    add constraint products_currency_fkey foreign key (app_id, currency) references public.wallet_currencies(app_id, currency);

create policy "anon can read active products" on public.products for select to anon using (active);

create policy "authenticated users can read active products" on public.products for select to authenticated using (active);

alter table public.products enable row level security;

create policy "service role can read products" on public.products for select to service_role using (true);

grant select on table public.products to anon;
grant select on table public.products to authenticated;
grant select on table public.products to service_role;

-- public.orders -----------------------------------------------------------------------------------------------------

create table public.orders (
    id uuid default gen_random_uuid() not null,
    app_id public.app_id not null,
    user_id uuid not null,
    product_id text not null,
    status text default 'pending'::text not null,
    store text,
    store_transaction_id text,
    quantity integer default 1 not null,
    price numeric(12,2),
    price_currency text,
    granted_amount integer default 0 not null,
    idempotency_key text,
    created_at timestamp with time zone default now() not null,
    paid_at timestamp with time zone,
    refunded_at timestamp with time zone,
    updated_at timestamp with time zone default now() not null,
    constraint orders_idempotency_key_check check (((char_length(idempotency_key) >= 1) and (char_length(idempotency_key) <= 200))),
    constraint orders_paid_has_transaction check (((status = 'pending'::text) or (status = 'failed'::text) or (store_transaction_id is not null))),
    constraint orders_price_currency_check check ((price_currency ~ '^[A-Z]{3}$'::text)),
    constraint orders_quantity_check check (((quantity >= 1) and (quantity <= 100))),
    constraint orders_status_check check ((status = any (array['pending'::text, 'paid'::text, 'failed'::text, 'refunded'::text]))),
    constraint orders_store_check check ((store = any (array['app_store'::text, 'play_store'::text]))),
    constraint orders_store_transaction_id_check check (((char_length(store_transaction_id) >= 1) and (char_length(store_transaction_id) <= 200)))
);
revoke all on table public.orders from anon, authenticated, service_role;

comment on table public.orders is 'One purchase of a product: pending (created by the app before paying) → paid (confirmed by a store) → refunded, or failed. Unique per store transaction.';

alter table only public.orders
    add constraint orders_idempotency_key unique (user_id, idempotency_key);

alter table only public.orders
    add constraint orders_pkey primary key (id);

alter table only public.orders
    add constraint orders_store_transaction_key unique (store, store_transaction_id);

create index orders_product_id_idx on public.orders using btree (product_id);

create index orders_user_id_app_id_idx on public.orders using btree (user_id, app_id, created_at desc);

create trigger orders_set_updated_at before update on public.orders for each row execute function internal.set_updated_at();

alter table only public.orders
    add constraint orders_product_id_fkey foreign key (product_id) references public.products(id);

alter table only public.orders
    add constraint orders_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table public.orders enable row level security;

create policy "service role can read orders" on public.orders for select to service_role using (true);

create policy "users can read own orders" on public.orders for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table public.orders to authenticated;
grant select on table public.orders to service_role;

create function public.commerce_apply_purchase(p_user_id uuid, p_product_id text, p_store text, p_transaction_id text, p_purchased_at timestamp with time zone, p_price numeric default null::numeric, p_price_currency text default null::text, p_order_id uuid default null::uuid, p_quantity integer default 1) returns public.orders
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_product public.products;
  v_order public.orders;
  v_amount integer;
begin
  select * into v_product from public.products where id = p_product_id;
  if not found then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('Unknown product %s.', p_product_id);
  end if;
  -- One order per store transaction, whoever reports it first and however often.
  select * into v_order from public.orders where store = p_store and store_transaction_id = p_transaction_id for update;
  if found then
    return v_order;
  end if;
  if p_order_id is not null then
    select * into v_order from public.orders
     where id = p_order_id and user_id = p_user_id and product_id = p_product_id and status = 'pending' for update;
  end if;
  v_amount := v_product.grant_amount * coalesce(p_quantity, 1);
  if v_order.id is not null then
    update public.orders set status = 'paid', store = p_store, store_transaction_id = p_transaction_id, paid_at = p_purchased_at,
           price = p_price, price_currency = p_price_currency, granted_amount = v_amount
     where id = v_order.id returning * into v_order;
  else
    insert into public.orders (app_id, user_id, product_id, status, store, store_transaction_id, quantity, price, price_currency, granted_amount, paid_at)
    values (v_product.app_id, p_user_id, p_product_id, 'paid', p_store, p_transaction_id, coalesce(p_quantity, 1), p_price, p_price_currency, v_amount, p_purchased_at)
    returning * into v_order;
  end if;
  if v_product.kind <> 'subscription' and v_amount > 0 then
    perform public.wallet_post(v_product.app_id, p_user_id, v_product.currency, v_amount, 'purchase',
                               format('Bought %s', v_product.title), format('purchase:%s:%s', p_store, p_transaction_id),
                               'order', v_order.id::text);
  end if;
  return v_order;
end
$$;
revoke all on function public.commerce_apply_purchase(uuid, text, text, text, timestamp with time zone, numeric, text, uuid, integer) from anon, authenticated, service_role;

comment on function public.commerce_apply_purchase(p_user_id uuid, p_product_id text, p_store text, p_transaction_id text, p_purchased_at timestamp with time zone, p_price numeric, p_price_currency text, p_order_id uuid, p_quantity integer) is 'A store-confirmed purchase: marks the pending order paid (or records a new one) and credits a pack''s points or coins, once per store transaction. Security definer: orders and the ledger have no write grants.';

revoke all on function public.commerce_apply_purchase(p_user_id uuid, p_product_id text, p_store text, p_transaction_id text, p_purchased_at timestamp with time zone, p_price numeric, p_price_currency text, p_order_id uuid, p_quantity integer) from public;
grant all on function public.commerce_apply_purchase(p_user_id uuid, p_product_id text, p_store text, p_transaction_id text, p_purchased_at timestamp with time zone, p_price numeric, p_price_currency text, p_order_id uuid, p_quantity integer) to service_role;

create function public.commerce_apply_refund(p_store text, p_transaction_id text, p_refunded_at timestamp with time zone) returns public.orders
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_order public.orders;
  v_product public.products;
begin
  select * into v_order from public.orders where store = p_store and store_transaction_id = p_transaction_id for update;
  if not found or v_order.status = 'refunded' then
    return v_order;
  end if;
  update public.orders set status = 'refunded', refunded_at = p_refunded_at where id = v_order.id returning * into v_order;
  select * into v_product from public.products where id = v_order.product_id;
  if v_order.granted_amount > 0 and v_product.kind <> 'subscription' then
    -- Take back what the purchase credited, even if it was spent (the entry says so).
    perform public.wallet_post(v_order.app_id, v_order.user_id, v_product.currency, -v_order.granted_amount, 'refund',
                               format('Refunded: %s', v_product.title), format('refund:%s:%s', p_store, p_transaction_id),
                               'order', v_order.id::text);
  end if;
  return v_order;
end
$$;
revoke all on function public.commerce_apply_refund(text, text, timestamp with time zone) from anon, authenticated, service_role;

comment on function public.commerce_apply_refund(p_store text, p_transaction_id text, p_refunded_at timestamp with time zone) is 'A store refund: marks the order refunded and reverses the credited points or coins through the ledger, once. Security definer, as above.';

revoke all on function public.commerce_apply_refund(p_store text, p_transaction_id text, p_refunded_at timestamp with time zone) from public;
grant all on function public.commerce_apply_refund(p_store text, p_transaction_id text, p_refunded_at timestamp with time zone) to service_role;

create function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer default 1, p_idempotency_key text default null::text) returns public.orders
    language plpgsql security definer
    set search_path to ''
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
revoke all on function public.create_order(public.app_id, text, integer, text) from anon, authenticated, service_role;

comment on function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer, p_idempotency_key text) is 'Creates the caller''s pending order for an active product of the app (its id goes to the store as the app account token); idempotent per Idempotency-Key, also for requests that arrive together. Security definer: orders have no client write grants.';

revoke all on function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer, p_idempotency_key text) from public;
grant all on function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer, p_idempotency_key text) to authenticated;
grant all on function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer, p_idempotency_key text) to service_role;

create function public.product_for_store(p_store text, p_store_product_id text) returns public.products
    language sql stable security definer
    set search_path to ''
    as $$
  select p.* from public.products p
   where (p_store = 'app_store' and p.app_store_product_id = p_store_product_id)
      or (p_store = 'play_store' and p.play_store_product_id = p_store_product_id)
      or p.id = p_store_product_id
   limit 1
$$;
revoke all on function public.product_for_store(text, text) from anon, authenticated, service_role;

comment on function public.product_for_store(p_store text, p_store_product_id text) is 'Our product for a store''s product id (or our own id). Security definer for a stable, grant-free lookup by the integrations.';

revoke all on function public.product_for_store(p_store text, p_store_product_id text) from public;
grant all on function public.product_for_store(p_store text, p_store_product_id text) to service_role;

-- internal.webhook_events -------------------------------------------------------------------------------------------

create table internal.webhook_events (
    id bigint not null,
    provider text not null,
    event_id text,
    event_type text,
    status text not null,
    reason text,
    payload jsonb,
    received_at timestamp with time zone default now() not null,
    processed_at timestamp with time zone,
    acknowledgement_owed boolean default false not null,
    constraint webhook_events_event_id_check check (((char_length(event_id) >= 1) and (char_length(event_id) <= 200))),
    constraint webhook_events_provider_check check ((provider = any (array['revenuecat'::text, 'apple'::text, 'google'::text]))),
    constraint webhook_events_status_check check ((status = any (array['received'::text, 'processed'::text, 'ignored'::text, 'stale'::text, 'rejected'::text])))
);

comment on table internal.webhook_events is 'Inbox of store webhooks (RevenueCat, Apple, Google): one row per event id (replays are no-ops), plus rejected attempts. Server-only.';

comment on column internal.webhook_events.acknowledgement_owed is 'The store still awaits our acknowledgement of this event''s purchase (Google Play); claimed by the delivery that makes it.';

alter table internal.webhook_events alter column id add generated always as identity (
    SEQUENCE NAME internal.webhook_events_id_seq
    start with 1
    increment by 1
    no minvalue
    no maxvalue
    cache 1
);

alter table only internal.webhook_events
    add constraint webhook_events_pkey primary key (id);

alter table only internal.webhook_events
    add constraint webhook_events_provider_event_key unique (provider, event_id);

create index webhook_events_received_at_idx on internal.webhook_events using btree (provider, received_at desc);

grant select,insert,update on table internal.webhook_events to service_role;

-- public.subscriptions ----------------------------------------------------------------------------------------------

create table public.subscriptions (
    id uuid default gen_random_uuid() not null,
    app_id public.app_id not null,
    user_id uuid not null,
    product_id text not null,
    plan text not null,
    status text not null,
    will_renew boolean default true not null,
    current_period_start timestamp with time zone,
    current_period_end timestamp with time zone,
    store text not null,
    original_transaction_id text not null,
    source text not null,
    last_event_at timestamp with time zone not null,
    cancelled_at timestamp with time zone,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint subscriptions_original_transaction_id_check check (((char_length(original_transaction_id) >= 1) and (char_length(original_transaction_id) <= 200))),
    constraint subscriptions_source_check check ((source = any (array['revenuecat'::text, 'apple'::text, 'google'::text]))),
    constraint subscriptions_status_check check ((status = any (array['active'::text, 'cancelled'::text, 'expired'::text, 'billing_issue'::text, 'paused'::text]))),
    constraint subscriptions_store_check check ((store = any (array['app_store'::text, 'play_store'::text])))
);
revoke all on table public.subscriptions from anon, authenticated, service_role;

comment on table public.subscriptions is 'A store subscription per user and app: plan, status, renewal, current period. Applied by event time (last_event_at watermark), so late webhook retries never undo newer state.';

alter table only public.subscriptions
    add constraint subscriptions_pkey primary key (id);

alter table only public.subscriptions
    add constraint subscriptions_store_transaction_key unique (store, original_transaction_id);

create index subscriptions_product_id_idx on public.subscriptions using btree (product_id);

create index subscriptions_user_id_app_id_idx on public.subscriptions using btree (user_id, app_id);

create index subscriptions_weekly_grant_idx on public.subscriptions using btree (app_id, plan, status) where (status = any (array['active'::text, 'cancelled'::text, 'billing_issue'::text]));

create trigger subscriptions_set_updated_at before update on public.subscriptions for each row execute function internal.set_updated_at();

alter table only public.subscriptions
    add constraint subscriptions_product_id_fkey foreign key (product_id) references public.products(id);

alter table only public.subscriptions
    add constraint subscriptions_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read subscriptions" on public.subscriptions for select to service_role using (true);

alter table public.subscriptions enable row level security;

create policy "users can read own subscriptions" on public.subscriptions for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table public.subscriptions to authenticated;
grant select on table public.subscriptions to service_role;

-- public.entitlements -----------------------------------------------------------------------------------------------

create view public.entitlements with (security_invoker='true') as
 select s.user_id,
    s.app_id,
    true as is_vip,
    (array_agg(s.plan order by
        case s.plan
            when 'lifetime'::text then 0
            when 'yearly'::text then 1
            when 'monthly'::text then 2
            else 3
        end))[1] as plan,
        case
            when bool_or((s.current_period_end is null)) then null::timestamp with time zone
            else max(s.current_period_end)
        end as expires_at,
    bool_or(s.will_renew) as will_renew
   from public.subscriptions s
  where ((s.status = any (array['active'::text, 'cancelled'::text, 'billing_issue'::text])) and ((s.current_period_end is null) or (s.current_period_end > now())))
  group by s.user_id, s.app_id;
revoke all on table public.entitlements from anon, authenticated, service_role;

comment on view public.entitlements is 'Per user and app: VIP while some subscription is in force (active, cancelled-but-not-ended, or in billing grace), its best plan and when it ends (null: lifetime).';

grant select on table public.entitlements to authenticated;
grant select on table public.entitlements to service_role;
