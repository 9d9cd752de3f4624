-- internal.ledger_violations(), the check npm test runs on the whole ledger after every run, reports each kind of
-- corruption it names. The ledger is corrupted here behind wallet_post's back, as the database owner, inside this
-- file's transaction, which is rolled back.
begin;
select plan(5);

-- One account per case, each written only through wallet_post: +100, then -30.
create temporary table acct (name text primary key, user_id uuid, id uuid);
insert into acct (name, user_id)
select name, tests.create_user(format('ledger-%s@test.local', name)) from unnest(array['sound', 'drift', 'overdraft', 'chain']) name;
grant select on acct to service_role;
select tests.authenticate_as_service_role();
select public.wallet_post('diary', user_id, 'points', 100, 'reward', 'welcome', 'lv-1') from acct;
select public.wallet_post('diary', user_id, 'points', -30, 'consume', 'lottery', 'lv-2') from acct;
select tests.clear_authentication();
update acct set id = (select a.id from public.wallet_accounts a where a.user_id = acct.user_id and a.app_id = 'diary' and a.currency = 'points');

select results_eq($$ select count(*)::int, sum(balance)::int from public.wallet_accounts where id in (select id from acct) $$, $$ values (4, 280) $$,
  'four accounts of 70 points each');
select is_empty($$ select * from internal.ledger_violations() where account_id in (select id from acct) $$,
  'a ledger written only through wallet_post has no violations');

-- A balance changed without an entry.
update public.wallet_accounts set balance = balance + 5 where id = (select id from acct where name = 'drift');
select results_eq($$ select balance, entries_sum, problem from internal.ledger_violations() where account_id = (select id from acct where name = 'drift') $$,
  $$ values (75::bigint, 70::bigint, 'balance differs from the sum of its entries') $$,
  'a balance that is not the sum of its entries is reported, with both numbers');

-- An entry that overdraws with no refund behind it; the balance follows it, so only the overdraft is wrong.
insert into public.wallet_entries (account_id, user_id, app_id, currency, amount, balance_after, kind, reason, idempotency_key)
select id, user_id, app_id, currency, -80, -10, 'consume', 'overdraft', 'lv-3' from public.wallet_accounts where id = (select id from acct where name = 'overdraft');
update public.wallet_accounts set balance = -10 where id = (select id from acct where name = 'overdraft');
select results_eq($$ select balance, entries_sum, problem from internal.ledger_violations() where account_id = (select id from acct where name = 'overdraft') $$,
  $$ values (-10::bigint, null::bigint, 'negative balance without a refund that caused it') $$,
  'a negative balance no refund explains is reported');

-- An entry whose balance_after does not follow from the one before; the balance is still the sum of the entries.
insert into public.wallet_entries (account_id, user_id, app_id, currency, amount, balance_after, kind, reason, idempotency_key)
select id, user_id, app_id, currency, 10, 999, 'reward', 'bad chain', 'lv-3' from public.wallet_accounts where id = (select id from acct where name = 'chain');
update public.wallet_accounts set balance = 80 where id = (select id from acct where name = 'chain');
select results_eq($$ select balance, entries_sum, problem from internal.ledger_violations() where account_id = (select id from acct where name = 'chain') $$,
  $$ values (999::bigint, null::bigint, 'an entry''s balance_after does not follow from the previous one') $$,
  'an entry whose balance_after breaks the chain is reported');

select * from finish();
rollback;
