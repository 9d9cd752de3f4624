begin;
select plan(25);

select tests.create_user('w-a@test.local');
select tests.create_user('w-b@test.local');
create temporary table u as select tests.get_user_id('w-a@test.local') as a, tests.get_user_id('w-b@test.local') as b;
grant select on u to anon, authenticated, service_role;

select tests.authenticate_as_service_role();
select is((select balance_after from public.wallet_post('diary', (select a from u), 'points', 100, 'reward', 'welcome', 'welcome')), 100::bigint, 'a reward credits the account');
select is((select balance_after from public.wallet_post('diary', (select a from u), 'points', -30, 'consume', 'lottery', 'draw-1')), 70::bigint, 'a consumption debits it');
select is((select id from public.wallet_post('diary', (select a from u), 'points', -30, 'consume', 'lottery', 'draw-1')),
          (select id from public.wallet_entries where idempotency_key = 'draw-1'), 'a repeated key returns the original entry');
select is((select balance from public.wallet_accounts where user_id = (select a from u)), 70::bigint, '... and changes nothing');
select throws_ok($$ select public.wallet_post('diary', (select a from u), 'points', -40, 'consume', 'lottery', 'draw-1') $$,
  'P0001', 'IDEMPOTENCY_CONFLICT', 'a key reused for a different change is refused');
select throws_ok($$ select public.wallet_post('diary', (select a from u), 'points', -71, 'consume', 'lottery', 'draw-2') $$,
  'P0001', 'INSUFFICIENT_BALANCE', 'a consumption cannot overdraw');
select throws_ok($$ select public.wallet_post('diary', (select a from u), 'points', -71, 'expire', 'expiry', 'exp-1') $$,
  'P0001', 'INSUFFICIENT_BALANCE', 'neither can an expiry');
select throws_ok($$ select public.wallet_post('diary', (select a from u), 'points', 5, 'consume', 'x', 'bad-sign') $$,
  '23514', null, 'a consumption must be negative');
select throws_ok($$ select public.wallet_post('diary', (select a from u), 'points', 0, 'adjust', 'x', 'zero') $$,
  'P0001', 'VALIDATION_FAILED', 'zero amounts are refused');
select throws_ok($$ select public.wallet_post('coach', (select a from u), 'points', 5, 'reward', 'x', 'no-currency') $$,
  '23503', null, 'an app without that currency has no wallet');
select is((select balance_after from public.wallet_post('diary', (select a from u), 'points', -100, 'refund', 'purchase refunded by the store', 'refund-1')), -30::bigint,
  'a store refund may take the balance below zero');
select matches((select reason from public.wallet_entries where idempotency_key = 'refund-1'), 'already spent', '... and the entry says so');
select is((select balance_after from public.wallet_post('diary', (select a from u), 'points', 2000, 'reward', 'VIP weekly', 'vip:2026-W48', 'vip_weekly_grant', null, '2026-W48')), 1970::bigint,
  'a periodic reward is granted');
select is((select idempotency_key from public.wallet_post('diary', (select a from u), 'points', 2000, 'reward', 'VIP weekly', 'another-key', 'vip_weekly_grant', null, '2026-W48')), 'vip:2026-W48',
  'a second one for the same period returns the first');
select is_empty($$ select * from internal.ledger_violations() where account_id in (select id from public.wallet_accounts where user_id = (select a from u)) $$,
  'the account satisfies the ledger invariants');

-- nobody writes the tables directly
select throws_ok($$ insert into public.wallet_entries (account_id, user_id, app_id, currency, amount, balance_after, kind, reason, idempotency_key)
                    select id, user_id, app_id, currency, 1, 1, 'reward', 'x', 'direct' from public.wallet_accounts limit 1 $$, '42501', null, 'service_role cannot insert entries');
select throws_ok($$ update public.wallet_accounts set balance = 1000000 $$, '42501', null, 'service_role cannot set balances');
select tests.clear_authentication();
select throws_ok($$ update public.wallet_entries set amount = 1 $$, '42501', 'public.wallet_entries is append-only', 'even the owner cannot rewrite entries');
select throws_ok($$ delete from public.wallet_entries $$, '42501', 'public.wallet_entries is append-only', 'or delete them');

-- users read their own, and cannot spend
select tests.authenticate_as((select b from u));
select is((select count(*)::int from public.wallet_entries), 0, 'a user sees no one else''s entries');
select is((select count(*)::int from public.wallet_accounts), 0, 'or accounts');
select throws_ok($$ select public.wallet_post('diary', auth.uid(), 'points', 1000, 'reward', 'free points', 'hack') $$, '42501', null, 'users cannot post to the ledger');
select throws_ok($$ select public.wallet_consume('diary', auth.uid(), 'points', 5, 'spend', 'hack') $$, '42501', null, 'nor call wallet_consume (the API calls it as service_role)');
select tests.clear_authentication();
select tests.authenticate_as((select a from u));
select is((select balance from public.wallet_accounts), 1970::bigint, 'a user reads their own balance');
select tests.clear_authentication();
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.wallet_entries $$, '42501', null, 'anon reads nothing');

select * from finish();
rollback;
