begin;
select plan(16);

select is(internal.enqueue_job('test.q', '{"n":1}', 'same'), internal.enqueue_job('test.q', '{"n":2}', 'same'), 'the same job key is one job');
select is((select count(*)::int from internal.jobs where queue = 'test.q'), 1, '... stored once');
select internal.enqueue_job('test.q', '{"n":3}', null, now() + interval '1 hour');
select internal.enqueue_job('test.q', '{"n":4}', null, now(), 10, 2);

select is((select array_agg(payload ->> 'n' order by payload ->> 'n') from internal.claim_jobs('w1', array['test.q'], 10, 30)), array['1', '4'],
  'a claim takes the due jobs, not the future one');
select is((select count(*)::int from internal.claim_jobs('w2', array['test.q'], 10, 30)), 0, 'a second worker gets nothing already leased');
select is((select attempts from internal.jobs where payload ->> 'n' = '4'), 1, 'a claim counts the attempt');

select is(internal.complete_job((select id from internal.jobs where payload ->> 'n' = '1'), 'w2', null), false, 'a worker cannot complete a job it does not hold');
select is(internal.complete_job((select id from internal.jobs where payload ->> 'n' = '1'), 'w1', '{"ok":true}'), true, 'the holder completes it');
select is((select status from internal.jobs where payload ->> 'n' = '1'), 'succeeded', '... and it is done');

select is(internal.fail_job((select id from internal.jobs where payload ->> 'n' = '4'), 'w1', 'boom'), 'failed', 'a failure is retried later');
select ok((select run_at > now() from internal.jobs where payload ->> 'n' = '4'), '... after a backoff');
update internal.jobs set run_at = now() where payload ->> 'n' = '4';
select is((select count(*)::int from internal.claim_jobs('w1', array['test.q'], 10, 30)), 1, 'once due it is claimed again');
select is(internal.fail_job((select id from internal.jobs where payload ->> 'n' = '4'), 'w1', 'boom again'), 'dead', 'after max_attempts it is dead');
select is(internal.retry_job((select id from internal.jobs where payload ->> 'n' = '4')), true, 'a dead job can be re-queued');

-- a worker dies holding a job: its lease runs out and another worker gets it
update internal.jobs set run_at = now() - interval '1 minute' where payload ->> 'n' = '3';
select is((select count(*)::int from internal.claim_jobs('dying', array['test.q'], 10, 30)), 2, 'a worker takes two jobs and dies');
update internal.jobs set locked_until = now() - interval '1 second' where locked_by = 'dying';
select is((select count(*)::int from internal.claim_jobs('heir', array['test.q'], 10, 30)), 2, 'after the lease the jobs are claimed again');

select tests.authenticate_as(tests.create_user('q@test.local'));
select throws_ok($$ select internal.enqueue_job('x', '{}') $$, '42501', null, 'users cannot enqueue');

select * from finish();
rollback;
