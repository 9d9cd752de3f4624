-- Growth Diary: the lottery (diary.draw), the prize catalog's rule, and the opening balance of migrated users.
begin;
select plan(43);

select tests.create_user('dl-a@test.local');
select tests.create_user('dl-poor@test.local');
select tests.create_user('dl-m@test.local');
create temporary table u as
  select tests.get_user_id('dl-a@test.local') as a, tests.get_user_id('dl-poor@test.local') as poor,
         tests.get_user_id('dl-m@test.local') as m;
create temporary table r (name text primary key, result jsonb);
grant select on u to authenticated, service_role;
grant all on r to service_role;

select public.wallet_post('diary', (select a from u), 'points', 100, 'reward', 'test points', 'test-points');
select public.wallet_post('diary', (select poor from u), 'points', 9, 'reward', 'test points', 'test-points');

select tests.authenticate_as((select a from u));
select throws_ok($$ select diary.draw(auth.uid(), 'k') $$, '42501', null, 'users cannot call draw directly');
select throws_ok($$ insert into diary.lottery_draws (user_id, cost, random_value, odds, idempotency_key) values (auth.uid(), 0, 0.1, '[]', 'k') $$,
  '42501', null, 'users cannot write draws');

select tests.authenticate_as_service_role();
-- Not enough points (cost 10, balance 9): 422-class, and nothing is written.
select throws_ok($$ select diary.draw((select poor from u), 'poor-1') $$, 'P0001', 'INSUFFICIENT_BALANCE', 'a draw without enough points is refused');
select is((select count(*)::int from diary.lottery_draws where user_id = (select poor from u)), 0, '... no draw is recorded');
select is((select count(*)::int from public.wallet_entries where user_id = (select poor from u)), 1, '... nothing is charged');
select is((select sum(stock)::int from diary.prizes), -5, '... and no stock is taken');

insert into r select 'first', diary.draw((select a from u), 'draw-1');
select is((select (result ->> 'replayed')::boolean from r where name = 'first'), false, 'a draw is not a replay');
select is((select (result ->> 'balance')::int from r where name = 'first'), 90, 'a draw costs lottery.draw_cost (10)');
select is((select (result -> 'draw' ->> 'ledger_entry_id')::bigint from r where name = 'first'),
  (select id from public.wallet_entries where user_id = (select a from u) and idempotency_key = 'diary_draw:draw-1' and kind = 'consume' and amount = -10),
  '... charged through the ledger, the entry recorded with the draw');
select ok((select (result -> 'draw' ->> 'random_value')::numeric from r where name = 'first') <@ numrange(0, 1, '[)'),
  'the random value is kept, in [0, 1)');
select is((select jsonb_path_query_array(result -> 'draw' -> 'odds', '$[*].probability') from r where name = 'first'),
  '[0.3, 0.25, 0.2, 0.15, 0.1]'::jsonb, 'the odds it met are kept, in the order checked');
select is((select result -> 'draw' ->> 'prize_id' from r where name = 'first'),
  (select o ->> 'prize_id' from r, jsonb_array_elements(result -> 'draw' -> 'odds') with ordinality x (o, i)
    where name = 'first'
      and (result -> 'draw' ->> 'random_value')::numeric
          < (select sum((y ->> 'probability')::numeric) from jsonb_array_elements(result -> 'draw' -> 'odds') with ordinality z (y, j) where j <= i)
    order by i limit 1),
  'the prize is the first whose running probability exceeds the random value');
select is((select result -> 'prize' ->> 'id' from r where name = 'first'), (select result -> 'draw' ->> 'prize_id' from r where name = 'first'),
  'the answer names the prize won');

insert into r select 'again', diary.draw((select a from u), 'draw-1');
select is((select (result ->> 'replayed')::boolean from r where name = 'again'), true, 'the same key again is a replay');
select is((select result -> 'draw' from r where name = 'again'), (select result -> 'draw' from r where name = 'first'), '... answering the first draw');
select is(diary.points_balance((select a from u)), 90::bigint, '... charging nothing more');

select public.wallet_consume('diary', (select a from u), 'points', 10, 'spent elsewhere', 'diary_draw:used-elsewhere');
select throws_ok($$ select diary.draw((select a from u), 'used-elsewhere') $$, 'P0001', 'IDEMPOTENCY_CONFLICT',
  'a key whose ledger key already spent points on another request is a conflict');

-- A draw's charge has a ledger namespace of its own (diary_draw:<key>): no other spend or grant shares its key.
select tests.clear_authentication();
select tests.create_user('dl-day@test.local');
create temporary table day as select tests.get_user_id('dl-day@test.local') as id,
  diary.local_date(diary.user_timezone(tests.get_user_id('dl-day@test.local'))) as today;
grant select on day to service_role;
select public.wallet_post('diary', (select id from day), 'points', 100, 'reward', 'test points', 'test-points');
select tests.authenticate_as_service_role();
insert into r select 'client-key', diary.draw((select id from day), 'client:k1');
-- POST points/deduct with Idempotency-Key k1 spends under client:k1 (functions/_wallet/consume.ts).
insert into r select 'deduct-k1', public.wallet_consume('diary', (select id from day), 'points', 10, 'points/deduct', 'client:k1');
select is((select (result ->> 'replayed')::boolean from r where name = 'deduct-k1'), false,
  'a points/deduct keyed k1 after a draw keyed client:k1 is not answered as a replay of the draw');
select is((select (result ->> 'balance')::int from r where name = 'deduct-k1'), 80,
  '... it is charged: two spends, two payments');

select diary.draw((select id from day), 'diary_day:' || (select today from day));
select tests.clear_authentication();
insert into diary.diaries (id, user_id, entry_date, content) select gen_random_uuid(), id, today, 'today' from day;
select is((select kind || '/' || amount from public.wallet_entries
            where user_id = (select id from day) and idempotency_key = 'diary_day:' || (select today from day)),
  'reward/5', 'a draw keyed like a reward key (diary_day:<date>) does not take the reward''s ledger key');
select is(diary.points_balance((select id from day)), 75::bigint, '... the first diary of the day still earns its 5 points');

select tests.create_user('dl-clash@test.local');
select public.wallet_post('diary', tests.get_user_id('dl-clash@test.local'), 'points', 100, 'reward', 'test points', 'test-points');
select public.wallet_consume('diary', tests.get_user_id('dl-clash@test.local'), 'points', 10, 'a spend', 'diary:opening_balance');
select throws_ok($$ select diary.import_opening_balance(tests.get_user_id('dl-clash@test.local'), 50) $$,
  'P0001', 'IDEMPOTENCY_CONFLICT', 'a grant whose ledger key holds a spend is refused, not reported as given');
select tests.authenticate_as_service_role();
select isnt((select d1.result -> 'draw' ->> 'random_value' from r d1 where name = 'first'),
  (diary.draw((select a from u), 'draw-2') -> 'draw' ->> 'random_value'), 'two draws get different random values');

-- Stock: taken under the prize's lock; a prize out of stock falls through to "no prize".
select tests.clear_authentication();
update diary.prizes set stock = 1;
select tests.authenticate_as_service_role();
insert into r select 'stocked', diary.draw((select a from u), 'draw-stocked');
select isnt((select result -> 'draw' ->> 'prize_id' from r where name = 'stocked'), null, 'with every prize in stock, a prize is won');
select is((select stock from diary.prizes where id = (select (result -> 'draw' ->> 'prize_id')::uuid from r where name = 'stocked')), 0,
  '... and its stock goes from 1 to 0');
select is((select sum(stock)::int from diary.prizes), 4, '... the others keep theirs');
select tests.clear_authentication();
update diary.prizes set stock = 0;
select tests.authenticate_as_service_role();
insert into r select 'empty', diary.draw((select a from u), 'draw-empty');
select is((select result -> 'draw' ->> 'prize_id' from r where name = 'empty'), null, 'every prize out of stock: no prize');
select is((select (result ->> 'balance')::int from r where name = 'empty'), 50, '... the draw is still charged (the odds said so)');
select tests.clear_authentication();
update diary.prizes set stock = -1, active = false;
select tests.authenticate_as_service_role();
select is((diary.draw((select a from u), 'draw-inactive') -> 'draw' ->> 'prize_id'), null, 'inactive prizes are never won');

-- The catalog: active probabilities sum to at most 1, checked when an admin saves.
update diary.prizes set active = true;
select throws_ok($$ update diary.prizes set probability = 0.4 where name ->> 'zh-CN' = '小红花' $$, 'P0001', 'VALIDATION_FAILED',
  'raising a probability over a sum of 1 is refused');
select throws_ok($$ insert into diary.prizes (name, probability) values ('{"zh-CN": "多余"}', 0.05) $$, 'P0001', 'VALIDATION_FAILED',
  'adding an active prize over a sum of 1 is refused');
select lives_ok($$ insert into diary.prizes (name, probability, active) values ('{"zh-CN": "备用"}', 0.5, false) $$,
  'an inactive prize may have any probability');
select throws_ok($$ update diary.prizes set active = true where name ->> 'zh-CN' = '备用' $$, 'P0001', 'VALIDATION_FAILED',
  'activating an inactive prize that would push the sum over 1 is refused');
update diary.prizes set probability = 0.2 where name ->> 'zh-CN' = '小红花';
select lives_ok($$ update diary.prizes set probability = 0.15 where name ->> 'zh-CN' = '小星星' $$, 'lowering first, then raising, is allowed');
select throws_ok($$ update diary.prizes set stock = -2 where name ->> 'zh-CN' = '小星星' $$, '23514', null, 'stock is -1 (unlimited) or more');

-- The draw's cost is remote config.
select tests.clear_authentication();
update public.app_config set value = '{"draw_cost": 7}' where app_id = 'diary' and key = 'lottery';
select tests.authenticate_as_service_role();
select is(((diary.draw((select a from u), 'draw-7')) -> 'draw' ->> 'cost')::int, 7, 'an edited draw cost applies to the next draw');

-- The opening balance of a migrated user: once, ever.
select throws_ok($$ select diary.import_opening_balance((select m from u), -1) $$, 'P0001', 'VALIDATION_FAILED', 'a negative opening balance is refused');
select is(diary.import_opening_balance((select m from u), 0) ->> 'granted', 'false', 'an opening balance of 0 grants nothing');
select is(diary.import_opening_balance((select m from u), 250) - 'entry', '{"granted": true, "points": 250, "capped": false, "balance": 250}'::jsonb,
  'the first import grants the balance');
select is(diary.import_opening_balance((select m from u), 300) - 'entry', '{"granted": false, "points": 0, "capped": false, "balance": 250}'::jsonb,
  'a second import grants nothing, whatever its amount');
select is((select array_agg(kind || '/' || reason || '/' || amount) from public.wallet_entries where user_id = (select m from u)),
  array['adjust/migration/250'], 'one adjust entry with reason migration');
select tests.create_user('dl-rich@test.local');
select is(diary.import_opening_balance(tests.get_user_id('dl-rich@test.local'), 250000) - 'entry',
  '{"granted": true, "points": 100000, "capped": true, "balance": 100000}'::jsonb,
  'an opening balance above points_rules.opening_balance_max grants the cap, and says so');
select tests.clear_authentication();
select is((select count(*)::int from internal.ledger_violations()), 0, 'the ledger stays consistent');

select * from finish();
rollback;
