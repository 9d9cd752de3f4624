begin;
select plan(9);

-- anon
select tests.authenticate_as_anon();
select is((select count(*)::int from public.apps), 5, 'anon can read the five apps');
select throws_ok($$ insert into public.apps (id, name, name_zh) values ('coach', 'x', 'x') $$, '42501', null, 'anon cannot insert apps');
select throws_ok($$ update public.apps set name = 'x' $$, '42501', null, 'anon cannot update apps');
select throws_ok($$ delete from public.apps $$, '42501', null, 'anon cannot delete apps');

-- authenticated
select tests.clear_authentication();
select tests.authenticate_as(tests.create_user('apps-a@test.local'));
select is((select count(*)::int from public.apps), 5, 'users can read the five apps');
select throws_ok($$ update public.apps set name = 'x' $$, '42501', null, 'users cannot update apps');
select throws_ok($$ delete from public.apps where id = 'coach' $$, '42501', null, 'users cannot delete apps');

-- service_role
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select results_eq($$ with u as (update public.apps set description = description returning 1) select count(*)::int from u $$,
  $$ values (5) $$, 'service_role can update apps');
select tests.clear_authentication();
select results_eq($$ select a.id::text from public.apps a order by a.id $$,
  array['coach', 'companion', 'quit', 'diary', 'pickitchen'], 'apps are seeded in enum order');

select * from finish();
rollback;
