-- Growth Diary: completing tasks (diary.complete_task) and the diary earning rules, all through the ledger.
begin;
select plan(49);

select tests.create_user('dt-a@test.local');
select tests.create_user('dt-b@test.local');
select tests.create_user('dt-c@test.local');
select tests.create_user('dt-d@test.local');
select tests.create_user('dt-e@test.local');
create temporary table u as
  select tests.get_user_id('dt-a@test.local') as a, tests.get_user_id('dt-b@test.local') as b,
         tests.get_user_id('dt-c@test.local') as c, tests.get_user_id('dt-d@test.local') as d,
         tests.get_user_id('dt-e@test.local') as e;
create temporary table d as select diary.local_date('Asia/Shanghai') as today;
create temporary table r (name text primary key, result jsonb);
grant select on u, d to authenticated, service_role;
grant all on r to service_role;

create function pg_temp.balance(p_user uuid) returns bigint language sql as $$
  select coalesce((select balance from public.wallet_accounts where app_id = 'diary' and user_id = p_user and currency = 'points'), 0)
$$;

-- Custom tasks, made by their owners.
select tests.authenticate_as((select a from u));
insert into diary.custom_tasks (id, task_date, title, points_reward) values ('00000000-0000-4000-8000-0000000c0a01', (select today from d), 'Practise piano', 15);
select throws_ok($$ insert into diary.custom_tasks (id, task_date, title, points_reward) values (gen_random_uuid(), (select today from d), 'Greedy', 21) $$,
  'P0001', 'VALIDATION_FAILED', 'a custom task rewards at most custom_task_max_points (20)');
insert into diary.custom_tasks (id, task_date, title) select gen_random_uuid(), (select today - 1 from d), 'chore ' || n from generate_series(1, 10) n;
select throws_ok($$ insert into diary.custom_tasks (id, task_date, title) values (gen_random_uuid(), (select today - 1 from d), 'one too many') $$,
  'P0001', 'BUSINESS_RULE_VIOLATION', 'a day holds at most custom_tasks_per_day (10) custom tasks');
update diary.custom_tasks set deleted_at = now() where title = 'chore 1' and user_id = auth.uid();
insert into diary.custom_tasks (id, task_date, title) values (gen_random_uuid(), (select today - 1 from d), 'in chore 1''s place');
select throws_ok($$ update diary.custom_tasks set deleted_at = null where title = 'chore 1' and user_id = auth.uid() $$,
  'P0001', 'BUSINESS_RULE_VIOLATION', 'a tombstoned task is not restored into a full day');
select throws_ok($$ update diary.custom_tasks set task_date = task_date - 1 where title = 'Practise piano' and user_id = auth.uid() $$,
  'P0001', 'BUSINESS_RULE_VIOLATION', 'a task is not moved into a full day');
select lives_ok($$ update diary.custom_tasks set title = 'chore two', points_reward = 3 where title = 'chore 2' and user_id = auth.uid() $$,
  'a task already on a full day can still be edited');
select throws_ok($$ select diary.complete_task(auth.uid(), 'read_20_minutes', (select today from d)) $$, '42501', null,
  'users cannot call complete_task directly');
select tests.authenticate_as((select b from u));
insert into diary.custom_tasks (id, task_date, title, points_reward) values ('00000000-0000-4000-8000-0000000c0b01', (select today from d), 'B''s task', 20);
select tests.clear_authentication();

-- The API calls complete_task as the service role, naming the caller.
select tests.authenticate_as_service_role();
insert into r select 'first', diary.complete_task((select a from u), 'read_20_minutes', (select today from d));
select is((select (result ->> 'replayed')::boolean from r where name = 'first'), false, 'completing a system task is not a replay');
select is((select (result -> 'completion' ->> 'points_granted')::int from r where name = 'first'), 10, '... it grants the task''s points_reward');
select is(pg_temp.balance((select a from u)), 10::bigint, '... into the diary points balance');
select is((select result -> 'entry' ->> 'id' from r where name = 'first'), (select result -> 'completion' ->> 'ledger_entry_id' from r where name = 'first'),
  '... and the completion names its ledger entry');

insert into r select 'again', diary.complete_task((select a from u), 'read_20_minutes', (select today from d));
select is((select (result ->> 'replayed')::boolean from r where name = 'again'), true, 'completing it again is a replay');
select is((select result -> 'completion' from r where name = 'again'), (select result -> 'completion' from r where name = 'first'),
  '... answering the first completion');
select is(pg_temp.balance((select a from u)), 10::bigint, '... and granting nothing more');
select is((select count(*)::int from public.wallet_entries where user_id = (select a from u) and ref_type = 'diary_task'), 1,
  'one ledger entry for the task and date');

-- A system task completed is recorded for that user and date only.
select is((select count(*)::int from diary.task_completions where system_task_key = 'read_20_minutes' and user_id = (select b from u)), 0,
  'another user has not completed it');
select is((select array_agg(task_date) from diary.task_completions where system_task_key = 'read_20_minutes' and user_id = (select a from u)),
  array[(select today from d)], 'the completion is for that date only');
insert into r select 'b-same', diary.complete_task((select b from u), 'read_20_minutes', (select today from d));
select is((select (result ->> 'replayed')::boolean from r where name = 'b-same'), false, 'another user completes the same task that day for themselves');
insert into r select 'yesterday', diary.complete_task((select a from u), 'read_20_minutes', (select today - 1 from d));
select is((select (result ->> 'replayed')::boolean from r where name = 'yesterday'), false, 'the same task yesterday is another completion');
select is(pg_temp.balance((select a from u)), 20::bigint, '... with its own points');

-- Custom tasks: the owner's only.
select throws_ok($$ select diary.complete_task((select a from u), '00000000-0000-4000-8000-0000000c0b01', (select today from d)) $$,
  'P0001', 'NOT_FOUND', 'completing another user''s custom task: not found');
select is((select count(*)::int from diary.task_completions where custom_task_id = '00000000-0000-4000-8000-0000000c0b01'), 0, '... and nothing recorded');
insert into r select 'custom', diary.complete_task((select a from u), '00000000-0000-4000-8000-0000000c0a01', (select today from d));
select is((select (result -> 'completion' ->> 'points_granted')::int from r where name = 'custom'), 15, 'an own custom task grants its points_reward');
select is(pg_temp.balance((select a from u)), 35::bigint, '... once');
select throws_ok($$ select diary.complete_task((select a from u), '00000000-0000-4000-8000-0000000c0a01', (select today - 1 from d)) $$,
  'P0001', 'VALIDATION_FAILED', 'a custom task is completed on its own date');

-- Dates and the catalog.
select throws_ok($$ select diary.complete_task((select a from u), 'exercise', (select today + 1 from d)) $$,
  'P0001', 'VALIDATION_FAILED', 'a date in the future (user''s timezone) is refused');
select throws_ok($$ select diary.complete_task((select a from u), 'exercise', (select today - 2 from d)) $$,
  'P0001', 'VALIDATION_FAILED', 'a date before yesterday is refused: past days cannot be mined');
select throws_ok($$ select diary.complete_task((select a from u), 'no_such_task', (select today from d)) $$,
  'P0001', 'NOT_FOUND', 'an unknown task is not found');
select tests.clear_authentication();
update diary.system_tasks set active = false where key in ('exercise', 'read_20_minutes');
select tests.authenticate_as_service_role();
select throws_ok($$ select diary.complete_task((select a from u), 'exercise', (select today from d)) $$,
  'P0001', 'BUSINESS_RULE_VIOLATION', 'a task no longer active is refused');
select is((diary.complete_task((select a from u), 'read_20_minutes', (select today from d)) ->> 'replayed')::boolean, true,
  'a completion made while it was active still answers');

-- A completion imported from the phone (no points: they are in the opening balance) is the answer later.
select tests.authenticate_as((select c from u));
insert into diary.task_completions (id, system_task_key, task_date) values (gen_random_uuid(), 'homework', (select today from d));
select tests.authenticate_as_service_role();
select is((diary.complete_task((select c from u), 'homework', (select today from d)) -> 'completion' ->> 'points_granted')::int, 0,
  'an imported completion grants nothing when completed again');

-- Diaries: the first non-draft diary of the user's today earns first_diary_of_day (5), once per date.
select tests.authenticate_as((select c from u));
insert into diary.diaries (id, entry_date, content, is_draft) values ('00000000-0000-4000-8000-0000000dc001', (select today from d), 'draft', true);
select tests.clear_authentication();
select is(pg_temp.balance((select c from u)), 0::bigint, 'a draft earns nothing');
select tests.authenticate_as((select c from u));
update diary.diaries set is_draft = false where id = '00000000-0000-4000-8000-0000000dc001';
insert into diary.diaries (id, entry_date, content) values ('00000000-0000-4000-8000-0000000dc002', (select today - 3 from d), 'back-dated');
select tests.clear_authentication();
select is(pg_temp.balance((select c from u)), 5::bigint, 'publishing today''s diary earns the first-diary points; a back-dated one earns nothing');
update public.app_config set value = jsonb_set(value, '{first_diary_of_day}', '6') where app_id = 'diary' and key = 'points_rules';
select tests.authenticate_as((select c from u));
update diary.diaries set deleted_at = now() where id = '00000000-0000-4000-8000-0000000dc001';
insert into diary.diaries (id, entry_date, content) values ('00000000-0000-4000-8000-0000000dc003', (select today from d), 'again');
select tests.clear_authentication();
select is(pg_temp.balance((select c from u)), 5::bigint, 'deleting and rewriting today''s diary earns nothing more, even after the amount changed');
update public.app_config set value = jsonb_set(value, '{first_diary_of_day}', '5') where app_id = 'diary' and key = 'points_rules';

-- Only a diary written on its own day earns (diaries.on_time); clients cannot set that, nor the earning streak.
select tests.authenticate_as((select d from u));
select throws_ok($$ insert into diary.diaries (id, entry_date, content, on_time) values (gen_random_uuid(), (select today - 5 from d), 'x', true) $$,
  '42501', null, 'a client cannot mark its diary on time');
insert into diary.diaries (id, entry_date, content) values ('00000000-0000-4000-8000-0000000dd001', (select today - 5 from d), 'x');
select throws_ok($$ update diary.diaries set on_time = true where id = '00000000-0000-4000-8000-0000000dd001' $$,
  '42501', null, '... nor change it');
select throws_ok($$ update diary.profiles set earning_streak = 29, earning_streak_date = (select today - 1 from d) where user_id = auth.uid() $$,
  '42501', null, '... nor its earning streak');
select is((select on_time from diary.diaries where id = '00000000-0000-4000-8000-0000000dd001'), false, 'a back-dated diary is not on time');

-- Streak bonuses (3: 10, 7: 30, 30: 100): a day counts once, when its on-time diary goes live; a threshold pays on the
-- day the streak reaches it. Days before today are arranged as the rules leave the profile (earning_streak).
insert into diary.diaries (id, entry_date, content) values (gen_random_uuid(), (select today - 2 from d), 'x'), (gen_random_uuid(), (select today - 1 from d), 'x');
insert into diary.diaries (id, entry_date, content) values ('00000000-0000-4000-8000-0000000dd000', (select today from d), 'x');
select tests.clear_authentication();
select is(pg_temp.balance((select d from u)), 5::bigint, 'back-dated days make no streak: today''s diary after them earns the first-diary points only');
select is((select (earning_streak, earning_streak_date)::text from diary.profiles where user_id = (select d from u)),
  (select (1, today)::text from d), '... and starts the earning streak at today');
select is((select continuous_days from diary.profiles where user_id = (select d from u)), 3, '... while the display streak counts every diary');
insert into diary.profiles (id, user_id, earning_streak, earning_streak_date) select e, e, 2, (select today - 1 from d) from u;
select tests.authenticate_as((select e from u));
insert into diary.diaries (id, entry_date, content) values ('00000000-0000-4000-8000-0000000de000', (select today from d), 'x');
select tests.clear_authentication();
select is(pg_temp.balance((select e from u)), 15::bigint, 'today''s on-time diary bringing the streak to 3: first diary 5 + bonus 10');
select is((select array_agg(idempotency_key) from public.wallet_entries where user_id = (select e from u) and ref_type = 'diary_streak'),
  array[format('diary_streak:3:%s', (select today from d))], '... keyed by its threshold and the day it was reached');

-- The farming loops: whatever is done to the diaries the same day, the rules pay nothing more.
select tests.authenticate_as((select e from u));
insert into diary.diaries (id, entry_date, content) select gen_random_uuid(), (select today from d) - n, 'x' from generate_series(1, 30) n;
update diary.diaries set is_draft = true where id = '00000000-0000-4000-8000-0000000de000';
update diary.diaries set is_draft = false where id = '00000000-0000-4000-8000-0000000de000';
update diary.diaries set deleted_at = now() where entry_date = (select today - 30 from d) and user_id = auth.uid();
update diary.diaries set is_draft = true where id = '00000000-0000-4000-8000-0000000de000';
update diary.diaries set is_draft = false where id = '00000000-0000-4000-8000-0000000de000';
update diary.diaries set deleted_at = now() where id = '00000000-0000-4000-8000-0000000de000';
insert into diary.diaries (id, entry_date, content) values (gen_random_uuid(), (select today from d), 'rewritten');
select tests.clear_authentication();
select is((select continuous_days from diary.profiles where user_id = (select e from u)), 30, 'back-dated diaries made a 30-day display streak');
select is(pg_temp.balance((select e from u)), 15::bigint,
  '... but back-dated diaries, a deleted oldest diary, a re-published draft and a rewritten diary pay nothing more today');
select is((select (earning_streak, earning_streak_date)::text from diary.profiles where user_id = (select e from u)),
  (select (3, today)::text from d), '... nor count today again into the earning streak');

-- The earning streak ends on a day without an on-time diary.
update diary.profiles set earning_streak = 5, earning_streak_date = (select today - 2 from d) where user_id = (select b from u);
select tests.authenticate_as((select b from u));
insert into diary.diaries (id, entry_date, content) values (gen_random_uuid(), (select today from d), 'x');
select tests.clear_authentication();
select is((select earning_streak from diary.profiles where user_id = (select b from u)), 1, 'a day without an on-time diary ends the earning streak');

-- Imported diaries (the importer sets diary.importing for its transaction) are never on time, even dated today.
select tests.create_user('dt-f@test.local');
select set_config('diary.importing', 'on', true);
select tests.authenticate_as(tests.get_user_id('dt-f@test.local'));
insert into diary.diaries (id, entry_date, content) values ('00000000-0000-4000-8000-0000000df000', (select today from d), 'imported');
select set_config('diary.importing', '', true);
update diary.diaries set is_draft = true where id = '00000000-0000-4000-8000-0000000df000';
update diary.diaries set is_draft = false, content = 'edited' where id = '00000000-0000-4000-8000-0000000df000';
select tests.clear_authentication();
select is((select on_time from diary.diaries where id = '00000000-0000-4000-8000-0000000df000'), false, 'an imported diary dated today is not on time');
select is(pg_temp.balance(tests.get_user_id('dt-f@test.local')), 0::bigint, '... and earns nothing, even re-published after the import');

select is((select count(*)::int from internal.ledger_violations()), 0, 'the ledger stays consistent');

select * from finish();
rollback;
