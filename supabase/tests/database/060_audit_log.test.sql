begin;
select plan(11);

select tests.create_user('audit-a@test.local');
select is((select action from internal.audit_log where actor_id = tests.get_user_id('audit-a@test.local')), 'sign_up', 'a new user is audited as a sign-up');

insert into auth.sessions (id, user_id, created_at, updated_at, ip, user_agent)
values ('5e551011-0000-4000-8000-000000000001', tests.get_user_id('audit-a@test.local'), now(), now(), '203.0.113.5', 'ua/1');
select results_eq($$ select action, host(ip), user_agent from internal.audit_log where details ->> 'session_id' = '5e551011-0000-4000-8000-000000000001' $$,
  $$ values ('sign_in', '203.0.113.5', 'ua/1') $$, 'a new session is audited as a sign-in with address and user agent');
delete from auth.sessions where id = '5e551011-0000-4000-8000-000000000001';
select is((select count(*)::int from internal.audit_log where action = 'sign_out' and details ->> 'session_id' = '5e551011-0000-4000-8000-000000000001'), 1,
  'an ended session is audited as a sign-out');

select lives_ok($$ select internal.audit('otp_sent', null, 'quit', 'not-an-ip', null, '{}') $$, 'an unparseable address is stored as null');
select throws_ok($$ select internal.audit('made_up', null) $$, '23514', null, 'unknown actions are refused');

-- append-only, even for the owner
select throws_ok($$ update internal.audit_log set action = 'sign_in' $$, '42501', 'internal.audit_log is append-only', 'the owner cannot rewrite events');
select throws_ok($$ delete from internal.audit_log $$, '42501', 'internal.audit_log is append-only', 'the owner cannot delete events');
select ok(internal.prune_audit_log('1 day') >= 0, 'the retention job may delete old events');

select tests.authenticate_as_service_role();
select throws_ok($$ delete from internal.audit_log $$, '42501', null, 'service_role cannot delete events');
select tests.clear_authentication();
select tests.authenticate_as(tests.get_user_id('audit-a@test.local'));
select throws_ok($$ select * from internal.audit_log $$, '42501', null, 'users cannot read the audit log');
select throws_ok($$ select internal.audit('sign_in', auth.uid()) $$, '42501', null, 'users cannot write the audit log');

select * from finish();
rollback;
