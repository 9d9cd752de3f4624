begin;
select plan(7);

select tests.create_user('ext-a@test.local');
insert into internal.external_accounts (provider, app_id, external_id, user_id)
values ('wechat', 'diary', 'abc', tests.get_user_id('ext-a@test.local'));

select tests.authenticate_as(tests.get_user_id('ext-a@test.local'));
select throws_ok($$ select * from internal.external_accounts $$, '42501', null, 'users cannot read external identities, not even their own');
select tests.clear_authentication();
select tests.authenticate_as_anon();
select throws_ok($$ insert into internal.external_accounts (provider, app_id, external_id, user_id) values ('device', 'pickitchen', 'x', gen_random_uuid()) $$,
  '42501', null, 'anon cannot add external identities');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is((select count(*)::int from internal.external_accounts where external_id = 'abc'), 1, 'service_role reads them');

-- A device id is a credential: only its keyed hash (64 hex characters) may be stored, never the id itself.
select throws_ok(format($$ insert into internal.external_accounts (provider, app_id, external_id, user_id)
                            values ('device', 'pickitchen', 'q3Xk9fZ2mB7tR1wYc8LhVg', %L) $$, tests.get_user_id('ext-a@test.local')),
  '23514', null, 'a device identity that is not a 64-hex hash is refused');
select throws_ok(format($$ insert into internal.external_accounts (provider, app_id, external_id, user_id)
                            values ('device', 'pickitchen', %L, %L) $$, repeat('AB', 32), tests.get_user_id('ext-a@test.local')),
  '23514', null, '... as is upper-case hex');
select lives_ok(format($$ insert into internal.external_accounts (provider, app_id, external_id, user_id)
                           values ('device', 'pickitchen', %L, %L) $$, encode(extensions.hmac('id', 'key', 'sha256'), 'hex'), tests.get_user_id('ext-a@test.local')),
  'a device identity stored as its hex HMAC is accepted');
select tests.clear_authentication();

delete from auth.users where id = tests.get_user_id('ext-a@test.local');
select is((select count(*)::int from internal.external_accounts where external_id in ('abc', encode(extensions.hmac('id', 'key', 'sha256'), 'hex'))), 0,
  'deleting the user removes its external identities');

select * from finish();
rollback;
