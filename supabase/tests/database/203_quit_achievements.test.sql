-- quit.evaluate_achievements (unlock once, points once through the ledger, progress of what is not met), the
-- triggers that run it after every relevant write, what clients can never write (Data API, sync push, import), and
-- quit.delete_user_data.
begin;
select plan(37);

select tests.create_user('quit-ach-a@test.local');
select tests.create_user('quit-ach-b@test.local');
select tests.authenticate_as(tests.get_user_id('quit-ach-a@test.local'));

-- Quit at local midnight 10 days ago (Asia/Shanghai): 10 smoke-free days, 10 a day at 1.00 → 100 avoided, 100.00 saved.
insert into quit.profiles (id, user_id, quit_at, cigarettes_per_day, price_per_cigarette, timezone)
values (quit.row_id(auth.uid(), 'profile'), auth.uid(),
        ((now() at time zone 'Asia/Shanghai')::date - 10)::timestamp at time zone 'Asia/Shanghai', 10, 1.00, 'Asia/Shanghai');

select set_eq($$ select achievement_key from quit.user_achievements where unlocked_at is not null $$,
  array['first_day', 'three_days', 'one_week', 'money_100', 'avoided_100', 'good_start'],
  'writing the profile unlocks what its metrics meet: 1, 3 and 7 smoke-free days, 100 saved, 100 avoided, the any-rule');
select is((select balance from public.wallet_accounts where user_id = auth.uid() and app_id = 'quit' and currency = 'points'), 210::bigint,
  'their points are granted: 10 + 20 + 50 + 30 + 80 + 20');
select is((select count(*)::int from public.wallet_entries e join public.wallet_accounts a on a.id = e.account_id
            where a.user_id = auth.uid() and a.app_id = 'quit' and e.idempotency_key like 'quit-achievement:%'), 6,
  'one ledger entry per unlocked achievement');
select is((select count(*)::int from quit.notifications where kind = 'achievement'), 6, 'and one notification each');
select is((select title from quit.notifications where data ->> 'achievement_key' = 'one_week'), '一周无烟',
  'in the profile''s language (zh-CN by default)');

create temporary table again as select quit.evaluate_achievements(auth.uid()) as v;
select is((select v -> 'unlocked' from again), '[]'::jsonb, 'evaluating again unlocks nothing new');
select is((select count(*)::int from public.wallet_entries e join public.wallet_accounts a on a.id = e.account_id
            where a.user_id = auth.uid() and a.app_id = 'quit'), 6, 'and grants nothing again');
update quit.profiles set display_name = 'A';
select is((select balance from public.wallet_accounts where user_id = auth.uid() and app_id = 'quit'), 210::bigint,
  'nor does another write to the profile');
select is((select count(*)::int from quit.notifications where kind = 'achievement'), 6, 'nor notifies again');

select is((select a from again, jsonb_array_elements(v -> 'achievements') a where a ->> 'key' = 'two_weeks'),
  '{"key": "two_weeks", "unlocked": false, "unlocked_at": null, "progress": 0.7143, "current": 10, "target": 14}'::jsonb,
  'a rule not met stays locked, with its progress (10 of 14 days), current and target');
select is((select a -> 'progress' from again, jsonb_array_elements(v -> 'achievements') a where a ->> 'key' = 'money_500'), '0.2'::jsonb,
  'money progress is exact: 100.00 of 500');
select is((select a -> 'current' from again, jsonb_array_elements(v -> 'achievements') a where a ->> 'key' = 'money_500'), '"100.00"'::jsonb,
  'and reports the amount as a decimal string');
select is((select progress from quit.user_achievements where achievement_key = 'two_weeks'), 0.71, 'the stored progress is kept in hundredths');
select is((select a ->> 'progress' from again, jsonb_array_elements(v -> 'achievements') a where a ->> 'key' = 'steady_month'), '0.1667',
  'an all-rule''s progress is the mean of its parts: (10/30 + 0/21) / 2');
select is((select unlocked_at from quit.user_achievements where achievement_key = 'two_weeks'), null, 'and its unlock is empty');

-- A check-in is a relevant write too
insert into quit.checkins (id, user_id, checkin_date) values (gen_random_uuid(), auth.uid(), (now() at time zone 'Asia/Shanghai')::date);
select is((select progress from quit.user_achievements where achievement_key = 'checkins_10'), 0.10, 'a check-in re-evaluates: 1 of 10 check-ins');

insert into quit.smoking_records (id, user_id, smoked_at, cigarettes_smoked) values (gen_random_uuid(), auth.uid(), now(), 10);
select is((select progress from quit.user_achievements where achievement_key = 'avoided_1000'), 0.09,
  'a smoking record re-evaluates: 90 of 1000 avoided');
select isnt((select unlocked_at from quit.user_achievements where achievement_key = 'avoided_100'), null,
  'an unlock is never taken back, though 90 avoided is now below its 100');

-- What clients can never write
select throws_ok($$ update quit.user_achievements set unlocked_at = now(), progress = 1 where achievement_key = 'two_weeks' $$,
  '42501', null, 'a client cannot unlock an achievement through the Data API');
select throws_ok($$ insert into quit.user_achievements (id, user_id, achievement_key, unlocked_at, progress)
                    values (quit.row_id(auth.uid(), 'achievement/one_year'), auth.uid(), 'one_year', now(), 1) $$,
  '42501', null, 'nor insert one');
select throws_ok($$ select public.sync_push_mutation('quit', 'phone', gen_random_uuid(), 'quit.user_achievements', 'upsert',
                      jsonb_build_object('id', quit.row_id(auth.uid(), 'achievement/one_year'), 'achievement_key', 'one_year',
                                         'unlocked_at', now(), 'progress', 1), null) $$,
  '42501', null, 'nor push a new unlock through sync');
select throws_ok($$ select public.sync_push_mutation('quit', 'phone', gen_random_uuid(), 'quit.user_achievements', 'upsert',
                      jsonb_build_object('id', quit.row_id(auth.uid(), 'achievement/two_weeks'), 'unlocked_at', now(), 'progress', 1),
                      (select version from quit.user_achievements where achievement_key = 'two_weeks')) $$,
  '42501', null, 'nor push a change to a locked one');
select throws_ok($$ select public.sync_push_mutation('quit', 'phone', gen_random_uuid(), 'quit.notifications', 'upsert',
                      jsonb_build_object('id', gen_random_uuid(), 'kind', 'achievement', 'title', 'I won'), null) $$,
  'P0001', 'FORBIDDEN', 'nor push a new row into a table only the server adds to (notifications)');
select throws_ok($$ select public.sync_import_row('quit', 'quit.user_achievements',
                      jsonb_build_object('id', quit.row_id(auth.uid(), 'achievement/one_year'), 'achievement_key', 'one_year', 'unlocked_at', now())) $$,
  'P0001', 'FORBIDDEN', 'nor import one');
select is((select count(*)::int from quit.user_achievements where unlocked_at is not null), 6, 'the unlocks are still the six the rules met');

-- Another user
select tests.authenticate_as(tests.get_user_id('quit-ach-b@test.local'));
select throws_ok($$ select quit.evaluate_achievements(tests.get_user_id('quit-ach-a@test.local')) $$, '42501', null,
  'another user cannot evaluate A''s achievements');
select is((select count(*)::int from quit.user_achievements), 0, 'nor read them');
select throws_ok($$ select quit.delete_user_data(tests.get_user_id('quit-ach-a@test.local')) $$, '42501', null, 'nor delete A''s data');
select is((select count(*)::int from quit.achievements), 18, 'B still reads the catalog');

-- Deleting the app's data
select tests.authenticate_as(tests.get_user_id('quit-ach-a@test.local'));
select is(quit.delete_user_data(auth.uid()),
  '{"notifications": 6, "user_achievements": 18, "smoking_records": 1, "checkins": 1, "settings": 0, "profiles": 1}'::jsonb,
  'A deletes their Quit Journey data and gets the rows deleted per table (every achievement had progress)');
select is((select count(*)::int from quit.profiles) + (select count(*)::int from quit.checkins) + (select count(*)::int from quit.user_achievements)
          + (select count(*)::int from quit.notifications), 0, 'nothing of it is left');
select is((select balance from public.wallet_accounts where user_id = auth.uid() and app_id = 'quit'), 210::bigint,
  'the ledger is append-only: the points stay');

-- A streak from an imported history counts, though it ended weeks ago
select tests.authenticate_as(tests.create_user('quit-ach-c@test.local'));
insert into quit.checkins (id, user_id, checkin_date)
select gen_random_uuid(), auth.uid(), (now() at time zone 'Asia/Shanghai')::date - d from generate_series(24, 30) d;
select is((select count(*)::int from quit.user_achievements where achievement_key = 'checkin_streak_7' and unlocked_at is not null), 1,
  'seven consecutive days checked in long ago unlock the 7-day streak (rules read the longest streak)');
select is((quit.user_metrics(auth.uid()) ->> 'current_streak')::int, 0, 'though the current streak is 0');
select is((select count(*)::int from quit.user_achievements where unlocked_at is not null), 2, 'with the any-rule (a 3-day streak) and nothing else');
insert into quit.profiles (id, user_id, quit_at, cigarettes_per_day, locale)
values (quit.row_id(auth.uid(), 'profile'), auth.uid(), now() - interval '2 days', 5, 'en-US');
select is((select title from quit.notifications where data ->> 'achievement_key' = 'first_day'), 'First day',
  'an English profile gets its unlock notifications in English');

select tests.authenticate_as_service_role();
select is(quit.evaluate_achievements(tests.get_user_id('quit-ach-a@test.local')) -> 'unlocked', '[]'::jsonb,
  'the service role evaluates a user by id; without data nothing unlocks (and nothing is granted twice)');

select * from finish();
rollback;
