begin;
select plan(4);

select tests.create_user('ext-a@test.local');
insert into internal.external_accounts (provider, app_id, external_id, user_id)
values ('device', 'pickitchen', 'abc', tests.get_user_id('ext-a@test.local'));

select tests.authenticate_as(tests.get_user_id('ext-a@test.local'));
select throws_ok($$ select * from internal.external_accounts $$, '42501', null, 'users cannot read external identities, not even their own');
select tests.clear_authentication();
select tests.authenticate_as_anon();
select throws_ok($$ insert into internal.external_accounts (provider, app_id, external_id, user_id) values ('device', 'pickitchen', 'x', gen_random_uuid()) $$,
  '42501', null, 'anon cannot add external identities');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is((select count(*)::int from internal.external_accounts where external_id = 'abc'), 1, 'service_role reads them');
select tests.clear_authentication();
delete from auth.users where id = tests.get_user_id('ext-a@test.local');
select is((select count(*)::int from internal.external_accounts where external_id = 'abc'), 0, 'deleting the user removes its external identities');

select * from finish();
rollback;
