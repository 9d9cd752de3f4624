begin;
select plan(14);

select is(internal.rate_limit_take(array['t:1'], array[2], array[60]), 0, 'first request of a bucket passes');
select is(internal.rate_limit_take(array['t:1'], array[2], array[60]), 0, 'second request passes (capacity 2)');
select is(internal.rate_limit_take(array['t:1'], array[2], array[60]), 30, 'third request waits for a refill (2 per 60 s → 30 s)');
select is(internal.rate_limit_take(array['t:2', 't:1'], array[5, 2], array[60, 60]), 30, 'any empty bucket refuses the request');
select throws_ok($$ select internal.rate_limit_take(array['a'], array[1, 2], array[60]) $$, '22023', null, 'mismatched arrays are rejected');
select is(internal.rate_limit_take(array['t:3', 't:3'], array[1, 1], array[60, 60]), 0, 'a key named twice takes one token');

-- The gate and its guard: the guard passes only this session's own allowed verdict for this nonce.
select is(internal.rate_limit_gate('n1', array['t:4'], array[1], array[60]), 0, 'the gate passes a bucket with a token');
select lives_ok($$ select internal.rate_limit_guard('n1') $$, 'the guard passes the request the gate allowed');
select throws_ok($$ select internal.rate_limit_guard('n0') $$, 'HT429', null, 'the guard refuses another request''s nonce');
select is(internal.rate_limit_gate('n2', array['t:4'], array[1], array[60]), 60, 'the gate refuses an empty bucket');
select throws_ok($$ select internal.rate_limit_guard('n2') $$, 'HT429', null, 'the guard refuses the request the gate refused');

select is((internal.health_snapshot() ->> 'migration'), (select max(version) from supabase_migrations.schema_migrations), 'health snapshot reports the latest migration');

select tests.authenticate_as(tests.create_user('internal@test.local'));
select throws_ok($$ select internal.rate_limit_take(array['x'], array[1], array[1]) $$, '42501', null, 'users cannot touch rate limits');
select throws_ok($$ select internal.health_snapshot() $$, '42501', null, 'users cannot call internal functions');

select * from finish();
rollback;
