begin;
select plan(18);

select tests.create_user('c-a@test.local');
select tests.create_user('c-b@test.local');
create temporary table u as select tests.get_user_id('c-a@test.local') as a, tests.get_user_id('c-b@test.local') as b;
grant select on u to anon, authenticated, service_role;

-- the app creates a pending order
select tests.authenticate_as((select a from u));
select is((select status from public.create_order('pickitchen', 'pickitchen.points_500', 1, 'k1')), 'pending', 'a user creates a pending order');
select is((select id from public.create_order('pickitchen', 'pickitchen.points_500', 1, 'k1')), (select id from public.orders where idempotency_key = 'k1'), 'the same key returns the same order');
select throws_ok($$ select public.create_order('quit', 'pickitchen.points_500') $$, 'P0001', 'NOT_FOUND', 'products of another app cannot be ordered');
select throws_ok($$ select public.create_order('pickitchen', 'pickitchen.points_500', 2, 'k1') $$, 'P0001', 'IDEMPOTENCY_CONFLICT', 'a key reused for another quantity is refused');
select throws_ok($$ select public.create_order('companion', 'companion.coins_60', 1, 'k1') $$, 'P0001', 'IDEMPOTENCY_CONFLICT', '... and for another app''s product');
select throws_ok($$ select public.commerce_apply_purchase(auth.uid(), 'pickitchen.points_500', 'app_store', 'free', now()) $$, '42501', null, 'users cannot mark purchases paid');
select throws_ok($$ update public.orders set status = 'paid' $$, '42501', null, 'users cannot change orders');
select tests.clear_authentication();

-- the store confirms it
select tests.authenticate_as_service_role();
select is((select status from public.commerce_apply_purchase((select a from u), 'pickitchen.points_500', 'app_store', 'tx-1', now(), 1.99, 'USD',
          (select id from public.orders where idempotency_key = 'k1'))), 'paid', 'the pending order is marked paid');
select is((select count(*)::int from public.orders where user_id = (select a from u)), 1, '... without a second order');
select is((select id from public.commerce_apply_purchase((select a from u), 'pickitchen.points_500', 'app_store', 'tx-1', now())),
          (select id from public.orders where idempotency_key = 'k1'), 'a repeated confirmation changes nothing');
select is((select balance from public.wallet_accounts where user_id = (select a from u) and app_id = 'pickitchen'), 500::bigint, 'the pack was credited once');
select is((select status from public.commerce_apply_refund('app_store', 'tx-1', now())), 'refunded', 'a refund marks it refunded');
select is((select balance from public.wallet_accounts where user_id = (select a from u) and app_id = 'pickitchen'), 0::bigint, '... and takes the points back');

-- subscriptions apply by event time
select is(public.commerce_apply_subscription((select b from u), 'pickitchen.vip_weekly', 'play_store', 'google', 'tok', now(), 'active', true, now(), now() + interval '7 days', true) ->> 'result',
  'applied', 'a purchase applies');
select is(public.commerce_apply_subscription((select b from u), 'pickitchen.vip_weekly', 'play_store', 'google', 'tok', now() - interval '1 hour', 'expired', false, null, now() - interval '1 hour') ->> 'result',
  'stale', 'an older event is stale');
select is((select status from public.subscriptions where original_transaction_id = 'tok'), 'active', '... and changes nothing');
select is((select balance from public.wallet_accounts where user_id = (select b from u) and app_id = 'pickitchen'), 2000::bigint, 'a new weekly VIP got this week''s points');
select tests.clear_authentication();
select tests.authenticate_as((select b from u));
select is((select is_vip from public.entitlements where app_id = 'pickitchen'), true, 'the entitlement shows to its owner');

select * from finish();
rollback;
