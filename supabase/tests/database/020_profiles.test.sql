begin;
select plan(15);

select tests.create_user('prof-a@test.local', '{"display_name":"Ada","timezone":"Europe/Berlin","locale":"en","app_id":"quit"}');
select tests.create_user('prof-b@test.local', '{"timezone":"Not/AZone","locale":"!!"}');

-- the sign-up trigger
select is((select display_name from public.profiles where id = tests.get_user_id('prof-a@test.local')), 'Ada', 'profile takes the display name from sign-up metadata');
select is((select timezone from public.profiles where id = tests.get_user_id('prof-a@test.local')), 'Europe/Berlin', 'profile takes a valid timezone');
select is((select timezone || ' ' || locale from public.profiles where id = tests.get_user_id('prof-b@test.local')), 'Asia/Shanghai zh-CN', 'invalid timezone and locale fall back to defaults');
select is((select count(*)::int from public.app_profiles where user_id = tests.get_user_id('prof-a@test.local') and app_id = 'quit'), 1, 'the sign-up app gets an app profile');

-- owner
select tests.authenticate_as(tests.get_user_id('prof-a@test.local'));
select is((select count(*)::int from public.profiles), 1, 'a user sees exactly one profile');
select is((select id from public.profiles), tests.get_user_id('prof-a@test.local'), '... their own');
select isnt_empty($$ update public.profiles set display_name = 'Ada L.' returning 1 $$, 'a user can update their display name');
select throws_ok($$ update public.profiles set timezone = 'Mars/Olympus' $$, '23514', null, 'an unknown timezone is rejected');
select throws_ok($$ update public.profiles set created_at = now() $$, '42501', null, 'created_at cannot be changed by the user');
select throws_ok($$ update public.profiles set id = gen_random_uuid() $$, '42501', null, 'id cannot be changed by the user');
select throws_ok($$ insert into public.profiles (id) values (gen_random_uuid()) $$, '42501', null, 'users cannot insert profiles');
select throws_ok($$ delete from public.profiles $$, '42501', null, 'users cannot delete profiles');

-- other user
select is_empty(format($$ update public.profiles set display_name = 'pwned' where id = %L returning 1 $$, tests.get_user_id('prof-b@test.local')), 'a user cannot update another user''s profile');

-- anon
select tests.clear_authentication();
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.profiles $$, '42501', null, 'anon cannot read profiles');

-- service_role
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is((select count(*)::int from public.profiles where id in (tests.get_user_id('prof-a@test.local'), tests.get_user_id('prof-b@test.local'))), 2, 'service_role reads every profile, other users'' included');

select * from finish();
rollback;
