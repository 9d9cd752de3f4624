begin;
select plan(20);

select is(internal.rate_limit_take(array['t:1'], array[2], array[60]), 0, 'first request of a bucket passes');
select is(internal.rate_limit_take(array['t:1'], array[2], array[60]), 0, 'second request passes (capacity 2)');
select is(internal.rate_limit_take(array['t:1'], array[2], array[60]), 30, 'third request waits for a refill (2 per 60 s → 30 s)');
select is(internal.rate_limit_take(array['t:2', 't:1'], array[5, 2], array[60, 60]), 30, 'any empty bucket refuses the request');
select throws_ok($$ select internal.rate_limit_take(array['a'], array[1, 2], array[60]) $$, '22023', null, 'mismatched arrays are rejected');
select is(internal.rate_limit_take(array['t:3', 't:3'], array[1, 1], array[60, 60]), 0, 'a key named twice takes one token');

-- Refill: continuous, at capacity per window, never above capacity (now() is fixed in a transaction, so the
-- bucket's last take is moved back instead).
do $$ begin perform internal.rate_limit_take(array['t:6'], array[2], array[60]) from generate_series(1, 2); end $$;
update internal.rate_limit_buckets set updated_at = updated_at - interval '30 seconds' where key = 't:6';
select is(internal.rate_limit_take(array['t:6'], array[2], array[60]), 0, '30 s later one token has come back');
select is(internal.rate_limit_take(array['t:6'], array[2], array[60]), 30, 'and only one');
update internal.rate_limit_buckets set updated_at = updated_at - interval '1 hour' where key = 't:6';
select is((select count(*)::int from generate_series(1, 3) where internal.rate_limit_take(array['t:6'], array[2], array[60]) = 0), 2, 'an hour later the bucket holds its capacity, not more');
select is((select round(tokens::numeric, 3) from internal.rate_limit_buckets where key = 't:6'), 0.000, 'a refused take leaves the refilled tokens as they were');

-- The sync: spends what a functions instance granted and answers the levels.
select results_eq($$ select bucket, level from internal.rate_limit_sync(array['s:1', 's:2'], array[10, 4], array[60, 60], array[0, 3]) order by bucket $$,
  $$ values ('s:1', 10::float8), ('s:2', 1::float8) $$, 'a new bucket starts full, less what was spent');
select results_eq($$ select level from internal.rate_limit_sync(array['s:1', 's:1'], array[10, 10], array[60, 60], array[2, 3]) $$,
  $$ values (5::float8) $$, 'a key named twice spends both counts, once');
update internal.rate_limit_buckets set updated_at = updated_at - interval '30 seconds' where key = 's:2';
select results_eq($$ select level from internal.rate_limit_sync(array['s:2'], array[4], array[60], array[5]) $$,
  $$ values (-2::float8) $$, 'refilled since the last sync (2 in 30 s), then spent into debt');
select results_eq($$ select level from internal.rate_limit_sync(array['s:2'], array[4], array[60], array[100]) $$,
  $$ values (-4::float8) $$, 'debt goes no deeper than one capacity');
select throws_ok($$ select internal.rate_limit_sync(array['a'], array[1], array[60], array[1, 2]) $$, '22023', null, 'mismatched arrays are rejected');
select throws_ok($$ select internal.rate_limit_sync(array['a'], array[1], array[60], array[-1]) $$, '22023', null, 'a negative spend (a refund) is rejected');

select is((internal.health_snapshot() ->> 'migration'), (select max(version) from supabase_migrations.schema_migrations), 'health snapshot reports the latest migration');

select tests.authenticate_as(tests.create_user('internal@test.local'));
select throws_ok($$ select internal.rate_limit_take(array['x'], array[1], array[1]) $$, '42501', null, 'users cannot touch rate limits');
select throws_ok($$ select internal.rate_limit_sync(array['x'], array[1], array[1], array[0]) $$, '42501', null, 'users cannot sync rate limits');
select throws_ok($$ select internal.health_snapshot() $$, '42501', null, 'users cannot call internal functions');

select * from finish();
rollback;
