begin;
select plan(21);

select tests.create_user('pk-a@test.local');
select tests.create_user('pk-b@test.local');
create temporary table u as select tests.get_user_id('pk-a@test.local') as a, tests.get_user_id('pk-b@test.local') as b;
grant select on u to anon, authenticated, service_role;
create temporary table t (name text primary key, id uuid);
grant all on t to service_role;

-- Config: templates and their prices come from the styles document.
select is((select points from internal.emoji_template('mengwa_kaixin')), 10, 'a template''s price comes from the styles config');
update public.app_config set value = jsonb_set(value, '{0,templates,0,enabled}', 'false') where app_id = 'pickitchen' and key = 'styles';
select is((select count(*)::int from internal.emoji_template('mengwa_kaixin')), 0, 'a disabled template is unknown');
update public.app_config set value = jsonb_set(value, '{0,templates,0,enabled}', 'true') where app_id = 'pickitchen' and key = 'styles';
select is((public.app_config_derived('pickitchen') -> 'weekly_reward' ->> 'amount')::int, 2000, 'the weekly reward is read from its product');

select tests.authenticate_as_service_role();
select public.wallet_post('pickitchen', (select a from u), 'points', 25, 'purchase', 'pack', 'pk-pack');
select throws_ok($$ select internal.emoji_task_create((select a from u), 'pickitchen/x/sources/p.jpg', 'mengwa_kaixin', null, '30 minutes') $$,
  'P0001', 'BUSINESS_RULE_VIOLATION', 'no task without a passed detection');
select internal.emoji_detection_record((select a from u), 'pickitchen/a/sources/p.jpg', true, '{1,2,3,4}', '{0,0,9,9}', null, null, 'test');
select is((select passed from internal.emoji_detection_record((select a from u), 'pickitchen/a/sources/p.jpg', false, null, null, 'no_face', 'x', 'test')), true,
  'the first detection of an image stays the answer');
select throws_ok($$ select internal.emoji_task_create((select a from u), 'pickitchen/a/sources/p.jpg', 'no_such_template', null, '30 minutes') $$,
  'P0001', 'VALIDATION_FAILED', 'an unknown template is refused');

insert into t select 'one', id from internal.emoji_task_create((select a from u), 'pickitchen/a/sources/p.jpg', 'mengwa_kaixin', 'key-1', '30 minutes');
select is((select balance from public.wallet_accounts where user_id = (select a from u) and app_id = 'pickitchen'), 15::bigint, 'creating charges the template''s points');
select is((select id from internal.emoji_task_create((select a from u), 'pickitchen/a/sources/p.jpg', 'mengwa_kaixin', 'key-1', '30 minutes')), (select id from t where name = 'one'),
  'the same idempotency key returns the same task');
select is((select balance from public.wallet_accounts where user_id = (select a from u) and app_id = 'pickitchen'), 15::bigint, '... and charges once');
select throws_ok($$ select internal.emoji_task_create((select a from u), 'pickitchen/a/sources/p.jpg', 'jingdian_xianqi', 'key-1', '30 minutes') $$,
  'P0001', 'IDEMPOTENCY_CONFLICT', 'a key reused for another task is refused');
select is((select count(*)::int from internal.jobs where queue = 'pickitchen.emoji' and job_key = (select id::text from t where name = 'one')), 1, 'the job is enqueued with the task');

insert into t select 'two', id from internal.emoji_task_create((select a from u), 'pickitchen/a/sources/p.jpg', 'jingdian_xianqi', null, '30 minutes');
select throws_ok($$ select internal.emoji_task_create((select a from u), 'pickitchen/a/sources/p.jpg', 'jingdian_xianqi', null, '30 minutes') $$,
  'P0001', 'INSUFFICIENT_BALANCE', 'no task without the points');
select is((select count(*)::int from pickitchen.emoji_tasks where user_id = (select a from u)), 2, '... and no task row either');

select is(internal.emoji_task_finish((select id from t where name = 'one'), 'failed', null, 'InternalError', 'boom'), true, 'a failure finishes the task');
select is(internal.emoji_task_finish((select id from t where name = 'one'), 'failed', null, 'InternalError', 'boom'), false, 'a second finish changes nothing');
select is((select balance from public.wallet_accounts where user_id = (select a from u) and app_id = 'pickitchen'), 15::bigint, 'the refund came once');

select internal.emoji_task_hide((select a from u), (select id from t where name = 'two'));
select is(internal.emoji_task_finish((select id from t where name = 'two'), 'completed', 'pickitchen/a/emoji/two.mp4', null, null), false,
  'a task deleted while it ran does not complete');
select is((select status || ':' || error_code || ':' || refunded from pickitchen.emoji_tasks where id = (select id from t where name = 'two')), 'failed:deleted:true', '... it fails and is refunded');
select is(internal.emoji_task_hide((select b from u), (select id from t where name = 'one')) is null, true, 'nobody hides another user''s task');

select tests.authenticate_as((select b from u));
select is((select count(*)::int from pickitchen.emoji_tasks), 0, 'users see no one else''s tasks');
select throws_ok($$ select internal.emoji_task_create(auth.uid(), 'x', 'mengwa_kaixin', null, '1 minute') $$, '42501', null, 'users cannot create tasks directly');

select * from finish();
rollback;
