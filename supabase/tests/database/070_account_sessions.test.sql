begin;
select plan(8);

select tests.create_user('sess-a@test.local');
select tests.create_user('sess-b@test.local');
insert into auth.sessions (id, user_id, created_at, updated_at) values
  ('5e551011-0000-4000-8000-00000000000a', tests.get_user_id('sess-a@test.local'), now(), now()),
  ('5e551011-0000-4000-8000-00000000000b', tests.get_user_id('sess-a@test.local'), now(), now()),
  ('5e551011-0000-4000-8000-00000000000c', tests.get_user_id('sess-b@test.local'), now(), now());

select tests.act_as('authenticated', jsonb_build_object('sub', tests.get_user_id('sess-a@test.local'), 'role', 'authenticated',
                                                       'session_id', '5e551011-0000-4000-8000-00000000000a'));
select is((select count(*)::int from public.list_my_sessions()), 2, 'a user lists their own sessions only');
select is((select id from public.list_my_sessions() where current), '5e551011-0000-4000-8000-00000000000a'::uuid, 'the current session is flagged');
select is(public.revoke_my_session('5e551011-0000-4000-8000-00000000000c'), false, 'another user''s session cannot be revoked');
select is(public.revoke_my_session('5e551011-0000-4000-8000-00000000000b'), true, 'an own session can be revoked');
select throws_ok($$ select * from auth.sessions $$, '42501', null, 'auth.sessions stays closed to users');

select tests.clear_authentication();
select is((select count(*)::int from auth.sessions where id = '5e551011-0000-4000-8000-00000000000c'), 1, 'the other user''s session survived');
select is((select count(*)::int from internal.audit_log where action = 'session_revoked' and details ->> 'session_id' = '5e551011-0000-4000-8000-00000000000b'), 1,
  'the revocation is audited once');
select is((select count(*)::int from internal.audit_log where action = 'sign_out' and details ->> 'session_id' = '5e551011-0000-4000-8000-00000000000b'), 0,
  '... and not also as a sign-out');

select * from finish();
rollback;
