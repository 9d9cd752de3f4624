-- What the apps sell and what was bought: products, orders (point and coin packs), subscriptions and the
-- entitlements they give. Stores report purchases through our webhooks and verification routes, which call
-- the service-role functions below; those change orders, subscriptions and the ledger in one transaction.

create table public.products (
  id text primary key check (id ~ '^[a-z0-9_]+\.[a-z0-9_]+$'),
  app_id public.app_id not null references public.apps (id),
  kind text not null check (kind in ('subscription', 'points_pack', 'coins_pack')),
  plan text check (plan in ('weekly', 'monthly', 'yearly', 'lifetime')),
  -- What a purchase credits to the wallet (packs), or what a subscription grants per period (PicKitchen weekly VIP).
  currency text,
  grant_amount integer not null default 0 check (grant_amount >= 0),
  app_store_product_id text unique,
  play_store_product_id text unique,
  title text not null,
  price_hint text,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint products_plan_for_subscriptions check ((kind = 'subscription') = (plan is not null)),
  constraint products_grant_currency check ((grant_amount > 0) = (currency is not null)),
  constraint products_currency_fkey foreign key (app_id, currency) references public.wallet_currencies (app_id, currency)
);
comment on table public.products is 'The catalog per app: subscriptions (plan) and point/coin packs (grant_amount), with their App Store and Play product ids. Catalog data from seed/; edited by admins.';

create index products_app_id_idx on public.products (app_id);

alter table public.products enable row level security;
revoke all on public.products from anon, authenticated, service_role;
grant select on public.products to anon, authenticated, service_role;
create policy "anon can read active products" on public.products for select to anon using (active);
create policy "authenticated users can read active products" on public.products for select to authenticated using (active);
create policy "service role can read products" on public.products for select to service_role using (true);

create trigger products_set_updated_at before update on public.products
  for each row execute function internal.set_updated_at();

create table public.orders (
  id uuid primary key default gen_random_uuid(),
  app_id public.app_id not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  product_id text not null references public.products (id),
  status text not null default 'pending' check (status in ('pending', 'paid', 'failed', 'refunded')),
  store text check (store in ('app_store', 'play_store')),
  store_transaction_id text check (char_length(store_transaction_id) between 1 and 200),
  quantity integer not null default 1 check (quantity between 1 and 100),
  price numeric(12, 2),
  price_currency text check (price_currency ~ '^[A-Z]{3}$'),
  granted_amount integer not null default 0,
  idempotency_key text check (char_length(idempotency_key) between 1 and 200),
  created_at timestamptz not null default now(),
  paid_at timestamptz,
  refunded_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint orders_store_transaction_key unique (store, store_transaction_id),
  constraint orders_idempotency_key unique (user_id, idempotency_key),
  constraint orders_paid_has_transaction check (status = 'pending' or status = 'failed' or store_transaction_id is not null)
);
comment on table public.orders is 'One purchase of a product: pending (created by the app before paying) → paid (confirmed by a store) → refunded, or failed. Unique per store transaction.';

create index orders_user_id_app_id_idx on public.orders (user_id, app_id, created_at desc);
create index orders_product_id_idx on public.orders (product_id);

alter table public.orders enable row level security;
revoke all on public.orders from anon, authenticated, service_role;
grant select on public.orders to authenticated, service_role;
create policy "users can read own orders" on public.orders for select to authenticated using (user_id = (select auth.uid()));
create policy "service role can read orders" on public.orders for select to service_role using (true);

create trigger orders_set_updated_at before update on public.orders
  for each row execute function internal.set_updated_at();

create table public.subscriptions (
  id uuid primary key default gen_random_uuid(),
  app_id public.app_id not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  product_id text not null references public.products (id),
  plan text not null,
  status text not null check (status in ('active', 'cancelled', 'expired', 'billing_issue', 'paused')),
  will_renew boolean not null default true,
  current_period_start timestamptz,
  -- null: never ends (lifetime)
  current_period_end timestamptz,
  store text not null check (store in ('app_store', 'play_store')),
  original_transaction_id text not null check (char_length(original_transaction_id) between 1 and 200),
  -- Which integration reported it (RevenueCat, Apple, Google), for transfers between RevenueCat users.
  source text not null check (source in ('revenuecat', 'apple', 'google')),
  -- The time of the newest store event applied: older events arriving late change nothing.
  last_event_at timestamptz not null,
  cancelled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint subscriptions_store_transaction_key unique (store, original_transaction_id)
);
comment on table public.subscriptions is 'A store subscription per user and app: plan, status, renewal, current period. Applied by event time (last_event_at watermark), so late webhook retries never undo newer state.';

create index subscriptions_user_id_app_id_idx on public.subscriptions (user_id, app_id);
create index subscriptions_product_id_idx on public.subscriptions (product_id);
create index subscriptions_weekly_grant_idx on public.subscriptions (app_id, plan, status) where status in ('active', 'cancelled', 'billing_issue');

alter table public.subscriptions enable row level security;
revoke all on public.subscriptions from anon, authenticated, service_role;
grant select on public.subscriptions to authenticated, service_role;
create policy "users can read own subscriptions" on public.subscriptions for select to authenticated using (user_id = (select auth.uid()));
create policy "service role can read subscriptions" on public.subscriptions for select to service_role using (true);

create trigger subscriptions_set_updated_at before update on public.subscriptions
  for each row execute function internal.set_updated_at();

-- What a user may use now, derived from their subscriptions (RLS of subscriptions applies: security_invoker).
create view public.entitlements with (security_invoker = true) as
select s.user_id,
       s.app_id,
       true as is_vip,
       (array_agg(s.plan order by case s.plan when 'lifetime' then 0 when 'yearly' then 1 when 'monthly' then 2 else 3 end))[1] as plan,
       case when bool_or(s.current_period_end is null) then null else max(s.current_period_end) end as expires_at,
       bool_or(s.will_renew) as will_renew
  from public.subscriptions s
 where s.status in ('active', 'cancelled', 'billing_issue')
   and (s.current_period_end is null or s.current_period_end > now())
 group by s.user_id, s.app_id;
comment on view public.entitlements is 'Per user and app: VIP while some subscription is in force (active, cancelled-but-not-ended, or in billing grace), its best plan and when it ends (null: lifetime).';
revoke all on public.entitlements from anon, authenticated, service_role;
grant select on public.entitlements to authenticated, service_role;

-- ------------------------------------------------------------------------------------------------------------
-- Service-role functions the store integrations call. Security definer: the tables have no write grants.

create or replace function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer default 1, p_idempotency_key text default null)
returns public.orders
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
  v_order public.orders;
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'NOT_AUTHENTICATED', detail = 'A signed-in user is required.';
  end if;
  perform 1 from public.products where id = p_product_id and app_id = p_app_id and active;
  if not found then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('There is no product %s in %s.', p_product_id, p_app_id);
  end if;
  if p_idempotency_key is not null then
    select * into v_order from public.orders where user_id = v_user and idempotency_key = p_idempotency_key;
    if found then
      if v_order.product_id <> p_product_id or v_order.quantity <> p_quantity then
        raise exception using errcode = 'P0001', message = 'IDEMPOTENCY_CONFLICT', detail = 'This Idempotency-Key was used for a different order.';
      end if;
      return v_order;
    end if;
  end if;
  insert into public.orders (app_id, user_id, product_id, quantity, idempotency_key)
  values (p_app_id, v_user, p_product_id, p_quantity, p_idempotency_key)
  on conflict (user_id, idempotency_key) do nothing
  returning * into v_order;
  if v_order.id is null then
    select * into v_order from public.orders where user_id = v_user and idempotency_key = p_idempotency_key;
  end if;
  return v_order;
end
$$;
comment on function public.create_order(public.app_id, text, integer, text) is
  'Creates the caller''s pending order for an active product of the app (its id goes to the store as the app account token); idempotent per Idempotency-Key. Security definer: orders have no client write grants.';
revoke execute on function public.create_order(public.app_id, text, integer, text) from public, anon;
grant execute on function public.create_order(public.app_id, text, integer, text) to authenticated, service_role;

create or replace function public.product_for_store(p_store text, p_store_product_id text) returns public.products
language sql
stable
security definer
set search_path = ''
as $$
  select p.* from public.products p
   where (p_store = 'app_store' and p.app_store_product_id = p_store_product_id)
      or (p_store = 'play_store' and p.play_store_product_id = p_store_product_id)
      or p.id = p_store_product_id
   limit 1
$$;
comment on function public.product_for_store(text, text) is 'Our product for a store''s product id (or our own id). Security definer for a stable, grant-free lookup by the integrations.';
revoke execute on function public.product_for_store(text, text) from public, anon, authenticated;
grant execute on function public.product_for_store(text, text) to service_role;

create or replace function public.commerce_apply_purchase(
  p_user_id uuid,
  p_product_id text,
  p_store text,
  p_transaction_id text,
  p_purchased_at timestamptz,
  p_price numeric default null,
  p_price_currency text default null,
  p_order_id uuid default null,
  p_quantity integer default 1
) returns public.orders
language plpgsql
security definer
set search_path = ''
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
comment on function public.commerce_apply_purchase(uuid, text, text, text, timestamptz, numeric, text, uuid, integer) is
  'A store-confirmed purchase: marks the pending order paid (or records a new one) and credits a pack''s points or coins, once per store transaction. Security definer: orders and the ledger have no write grants.';
revoke execute on function public.commerce_apply_purchase(uuid, text, text, text, timestamptz, numeric, text, uuid, integer) from public, anon, authenticated;
grant execute on function public.commerce_apply_purchase(uuid, text, text, text, timestamptz, numeric, text, uuid, integer) to service_role;

create or replace function public.commerce_apply_refund(p_store text, p_transaction_id text, p_refunded_at timestamptz)
returns public.orders
language plpgsql
security definer
set search_path = ''
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
comment on function public.commerce_apply_refund(text, text, timestamptz) is
  'A store refund: marks the order refunded and reverses the credited points or coins through the ledger, once. Security definer, as above.';
revoke execute on function public.commerce_apply_refund(text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.commerce_apply_refund(text, text, timestamptz) to service_role;

create or replace function public.commerce_apply_subscription(
  p_user_id uuid,
  p_product_id text,
  p_store text,
  p_source text,
  p_original_transaction_id text,
  p_event_at timestamptz,
  p_status text,
  p_will_renew boolean,
  p_period_start timestamptz,
  p_period_end timestamptz,
  p_grant_period boolean default false
) returns jsonb
language plpgsql
security definer
set search_path = ''
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
comment on function public.commerce_apply_subscription(uuid, text, text, text, text, timestamptz, text, boolean, timestamptz, timestamptz, boolean) is
  'Applies a store''s subscription state if it is newer than the last applied event (per store and original transaction); a new weekly VIP gets the current ISO week''s points once. Security definer: subscriptions and the ledger have no write grants.';
revoke execute on function public.commerce_apply_subscription(uuid, text, text, text, text, timestamptz, text, boolean, timestamptz, timestamptz, boolean) from public, anon, authenticated;
grant execute on function public.commerce_apply_subscription(uuid, text, text, text, text, timestamptz, text, boolean, timestamptz, timestamptz, boolean) to service_role;

create or replace function public.commerce_transfer_subscriptions(p_source text, p_from_user uuid, p_to_user uuid, p_event_at timestamptz)
returns integer
language plpgsql
security definer
set search_path = ''
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
comment on function public.commerce_transfer_subscriptions(text, uuid, uuid, timestamptz) is
  'Moves a store account''s subscriptions to another user (RevenueCat TRANSFER: the same store account restored under a new app user). Security definer, as above.';
revoke execute on function public.commerce_transfer_subscriptions(text, uuid, uuid, timestamptz) from public, anon, authenticated;
grant execute on function public.commerce_transfer_subscriptions(text, uuid, uuid, timestamptz) to service_role;
