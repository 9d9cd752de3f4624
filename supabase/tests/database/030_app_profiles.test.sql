begin;
select plan(11);

select tests.create_user('ap-a@test.local');
select tests.create_user('ap-b@test.local', '{"app_id":"coach"}');

select tests.authenticate_as(tests.get_user_id('ap-a@test.local'));
select lives_ok($$ insert into public.app_profiles (user_id, app_id) values (auth.uid(), 'diary') $$, 'a user can create their own app profile');
select throws_ok(format($$ insert into public.app_profiles (user_id, app_id) values (%L, 'diary') $$, tests.get_user_id('ap-b@test.local')),
  '42501', null, 'a user cannot create an app profile for someone else');
select is((select count(*)::int from public.app_profiles), 1, 'a user sees only their own app profiles');
select isnt_empty($$ update public.app_profiles set preferences = '{"theme":"dark"}' where app_id = 'diary' returning 1 $$, 'a user can update their preferences');
select throws_ok($$ update public.app_profiles set preferences = '[1,2]' $$, '23514', null, 'preferences must be a JSON object');
select throws_ok($$ update public.app_profiles set user_id = gen_random_uuid() $$, '42501', null, 'user_id cannot be changed');
select throws_ok($$ update public.app_profiles set app_id = 'quit' $$, '42501', null, 'app_id cannot be changed');
select is_empty(format($$ update public.app_profiles set preferences = '{}' where user_id = %L returning 1 $$, tests.get_user_id('ap-b@test.local')),
  'a user cannot update another user''s app profile');
select throws_ok($$ delete from public.app_profiles $$, '42501', null, 'users cannot delete app profiles');

select tests.clear_authentication();
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.app_profiles $$, '42501', null, 'anon cannot read app profiles');

select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is((select count(*)::int from public.app_profiles where user_id in (tests.get_user_id('ap-a@test.local'), tests.get_user_id('ap-b@test.local'))), 2,
  'service_role reads every app profile');

select * from finish();
rollback;
