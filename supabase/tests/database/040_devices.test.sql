begin;
select plan(14);

select tests.create_user('dev-a@test.local');
select tests.create_user('dev-b@test.local');

select tests.authenticate_as(tests.get_user_id('dev-a@test.local'));
select is((select platform from public.register_device('coach', 'inst-a', 'ios', 'apns', 'tok-1')), 'ios', 'a user registers a device');
select is((select app_version from public.register_device('coach', 'inst-a', 'ios', 'apns', 'tok-1', p_app_version => '1.2.0')), '1.2.0',
  'registering the same installation again refreshes it');
select is((select count(*)::int from public.devices), 1, '... without a second row');
select throws_ok($$ insert into public.devices (user_id, app_id, installation_id, platform) values (auth.uid(), 'coach', 'x', 'ios') $$,
  '42501', null, 'users cannot insert devices directly');
select throws_ok($$ update public.devices set push_token = 'x' $$, '42501', null, 'users cannot update devices directly');
select throws_ok($$ select public.register_device('coach', 'inst-x', 'symbian') $$, '23514', null, 'an unknown platform is rejected');
select throws_ok($$ select public.register_device('coach', 'inst-x', 'ios', 'apns', null) $$, '23514', null, 'a push vendor needs a token');

-- the same phone signs in to another account: the push token moves
select tests.clear_authentication();
select tests.authenticate_as(tests.get_user_id('dev-b@test.local'));
select lives_ok($$ select public.register_device('coach', 'inst-b', 'ios', 'apns', 'tok-1') $$, 'another account registers the same push token');
select is((select count(*)::int from public.devices), 1, 'a user sees only their own devices');
select is_empty(format($$ delete from public.devices where user_id = %L returning 1 $$, tests.get_user_id('dev-a@test.local')),
  'a user cannot delete another user''s device');

select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is((select push_token from public.devices where user_id = tests.get_user_id('dev-a@test.local')), null,
  'the previous account lost the push token');
select is((select push_token from public.devices where user_id = tests.get_user_id('dev-b@test.local')), 'tok-1',
  'the new account holds it');

select tests.clear_authentication();
select tests.authenticate_as(tests.get_user_id('dev-a@test.local'));
select isnt_empty($$ delete from public.devices returning 1 $$, 'a user can delete their own device');

select tests.clear_authentication();
select tests.authenticate_as_anon();
select throws_ok($$ select public.register_device('coach', 'inst-anon', 'ios') $$, '42501', null, 'anon cannot register devices');

select * from finish();
rollback;
