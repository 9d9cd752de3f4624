begin;
select plan(8);

-- service_role: the hooks function claims a webhook-id once
select tests.authenticate_as_service_role();
with claim as (insert into internal.auth_hook_deliveries (hook, webhook_id) values ('send-sms', 'msg_1') on conflict do nothing returning 1)
select is(count(*)::int, 1, 'the first delivery of an id claims it') from claim;
with claim as (insert into internal.auth_hook_deliveries (hook, webhook_id) values ('send-sms', 'msg_1') on conflict do nothing returning 1)
select is(count(*)::int, 0, 'a replay of the id finds the claim') from claim;
select throws_ok($$ insert into internal.auth_hook_deliveries (hook, webhook_id) values ('send-sms', repeat('x', 201)) $$, '23514', null,
  'an id longer than 200 characters is refused');
select throws_ok($$ update internal.auth_hook_deliveries set received_at = now() $$, '42501', null, 'service_role cannot move a claim in time');
select tests.clear_authentication();

-- retention: claims outlive the signature tolerance, then go
insert into internal.auth_hook_deliveries (hook, webhook_id, received_at) values ('send-sms', 'msg_old', now() - interval '2 hours');
select is(internal.purge_auth_hook_deliveries(), 1::bigint, 'the purge removes claims older than an hour');
select is((select array_agg(webhook_id) from internal.auth_hook_deliveries where webhook_id like 'msg\_%'), array['msg_1'], 'and keeps recent ones');
select is((select schedule from cron.job where jobname = 'purge-auth-hook-deliveries'), '*/15 * * * *', 'the purge runs every quarter hour');

-- users
select tests.authenticate_as(tests.create_user('hook-deliveries@test.local'));
select throws_ok($$ select * from internal.auth_hook_deliveries $$, '42501', null, 'users cannot read hook claims');

select * from finish();
rollback;
