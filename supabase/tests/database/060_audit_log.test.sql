begin;
select plan(13);

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
-- Events older than the retention interval go (two here, written as the server would have two days ago); newer ones stay.
insert into internal.audit_log (action, actor_id, occurred_at)
select 'sign_in', tests.get_user_id('audit-a@test.local'), now() - interval '2 days' from generate_series(1, 2);
select results_eq($$ select action from internal.audit_log where actor_id = tests.get_user_id('audit-a@test.local') order by id $$,
  $$ values ('sign_up'), ('sign_in'), ('sign_out'), ('sign_in'), ('sign_in') $$, 'the user''s trail before the retention job runs');
create temporary table old_events as select count(*)::int as n from internal.audit_log where occurred_at < now() - interval '1 day';
select is(internal.prune_audit_log('1 day'), (select n from old_events)::bigint, 'the retention job deletes every event older than the interval, and says how many');
select results_eq($$ select action from internal.audit_log where actor_id = tests.get_user_id('audit-a@test.local') order by id $$,
  $$ values ('sign_up'), ('sign_in'), ('sign_out') $$, '... and keeps the newer ones');

select tests.authenticate_as_service_role();
select throws_ok($$ delete from internal.audit_log $$, '42501', null, 'service_role cannot delete events');
select tests.clear_authentication();
select tests.authenticate_as(tests.get_user_id('audit-a@test.local'));
select throws_ok($$ select * from internal.audit_log $$, '42501', null, 'users cannot read the audit log');
select throws_ok($$ select internal.audit('sign_in', auth.uid()) $$, '42501', null, 'users cannot write the audit log');

select * from finish();
rollback;
