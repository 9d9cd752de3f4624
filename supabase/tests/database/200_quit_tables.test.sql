-- Quit Journey tables: constraints, and RLS as owner, other user, anon and service_role for every table.
begin;
select plan(48);

select tests.create_user('quit-a@test.local');
select tests.create_user('quit-b@test.local');

-- Owner -------------------------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.get_user_id('quit-a@test.local'));

select lives_ok($$ insert into quit.profiles (id, user_id, quit_at, cigarettes_per_day, price_per_cigarette)
                   values (quit.row_id(auth.uid(), 'profile'), auth.uid(), '2026-11-20 08:00+08', 20, 1.50) $$,
  'a user creates their profile with the id derived from their user id');
select throws_ok($$ insert into quit.settings (id, user_id) values (gen_random_uuid(), auth.uid()) $$,
  '23514', null, 'settings must carry the derived id, so two offline devices write one row');
select lives_ok($$ insert into quit.settings (id, user_id, reminder_time) values (quit.row_id(auth.uid(), 'settings'), auth.uid(), '21:30') $$,
  'a user creates their settings');
select throws_ok($$ update quit.profiles set cigarettes_per_day = 0 $$, '23514', null, 'cigarettes per day must be above 0');
select throws_ok($$ update quit.profiles set price_per_cigarette = -0.01 $$, '23514', null, 'a price is never negative');
select throws_ok($$ update quit.profiles set timezone = 'Mars/Olympus' $$, '23514', null, 'the timezone must be an IANA zone');
select throws_ok($$ update quit.profiles set currency = 'cny' $$, '23514', null, 'the currency is an ISO 4217 code');
select throws_ok($$ update quit.settings set quiet_hours_start = '22:00' $$, '23514', null, 'quiet hours have a start and an end, or neither');

insert into quit.checkins (id, user_id, checkin_date, mood) values ('20000000-0000-4000-8000-000000000001', auth.uid(), '2026-11-21', 'good');
select throws_ok($$ insert into quit.checkins (id, user_id, checkin_date) values ('20000000-0000-4000-8000-000000000002', auth.uid(), '2026-11-21') $$,
  '23505', null, 'a second live check-in for the same local date is refused');
update quit.checkins set deleted_at = now() where id = '20000000-0000-4000-8000-000000000001';
select lives_ok($$ insert into quit.checkins (id, user_id, checkin_date) values ('20000000-0000-4000-8000-000000000002', auth.uid(), '2026-11-21') $$,
  'once that check-in is deleted (a tombstone), the date can be checked in again');
select throws_ok($$ update quit.checkins set mood = 'ecstatic' where id = '20000000-0000-4000-8000-000000000002' $$,
  '23514', null, 'a mood comes from the documented vocabulary');

select throws_ok($$ insert into quit.smoking_records (id, user_id, smoked_at, cigarettes_smoked) values (gen_random_uuid(), auth.uid(), now(), 0) $$,
  '23514', null, 'a smoking record counts at least one cigarette');
select lives_ok($$ insert into quit.smoking_records (id, user_id, smoked_at, cigarettes_smoked, trigger_tags)
                   values ('20000000-0000-4000-8000-000000000003', auth.uid(), '2026-11-21 23:50+08', 2, '{stress,coffee,rainy day,deadline,night shift}') $$,
  'vocabulary tags plus three free tags are accepted');
select throws_ok($$ update quit.smoking_records set trigger_tags = '{stress,rainy day,deadline,night shift,boss}' $$,
  '23514', null, 'a fourth free tag is refused');
select throws_ok($$ update quit.smoking_records set trigger_tags = '{stress,stress}' $$, '23514', null, 'duplicate tags are refused');
select throws_ok($$ update quit.smoking_records set trigger_tags = array[repeat('x', 33)] $$, '23514', null, 'a tag is at most 32 characters');
select throws_ok($$ update quit.smoking_records set trigger_tags = '{stress,anxiety,boredom,after_meal,coffee,alcohol,social,work_break,waking_up,driving,craving}' $$,
  '23514', null, 'at most 10 tags');
select is((select count(*)::int from quit.smoking_records where trigger_tags @> '{coffee}'), 1, 'records are found by tag');

-- What only the server writes
select throws_ok($$ insert into quit.user_achievements (id, user_id, achievement_key, unlocked_at, progress)
                    values (quit.row_id(auth.uid(), 'achievement/x'), auth.uid(), 'x', now(), 1) $$,
  '42501', null, 'a client cannot insert an unlock');
select throws_ok($$ insert into quit.achievements (key, name, description, icon, category, rule)
                    values ('mine', '{"zh-CN":"我","en":"me"}', '{"zh-CN":"我","en":"me"}', 'x', 'special', '{"total_checkins":{"gte":1}}') $$,
  '42501', null, 'nor add to the catalog');
select throws_ok($$ insert into quit.notifications (user_id, kind, title) values (auth.uid(), 'test', 'hi') $$,
  '42501', null, 'nor create notifications');
select throws_ok($$ update quit.checkins set version = 99 $$, '42501', null, 'nor set sync versions');
select throws_ok($$ update quit.checkins set user_id = tests.get_user_id('quit-b@test.local') $$, '42501', null, 'nor move a row to another user');
select throws_ok($$ update quit.profiles set user_id = tests.get_user_id('quit-b@test.local') $$, '42501', null, 'nor move their profile');
select throws_ok($$ update quit.settings set user_id = tests.get_user_id('quit-b@test.local') $$, '42501', null, 'nor their settings');
select throws_ok($$ update quit.smoking_records set user_id = tests.get_user_id('quit-b@test.local') $$, '42501', null, 'nor a smoking record');
select throws_ok($$ update quit.notifications set user_id = tests.get_user_id('quit-b@test.local') $$, '42501', null, 'nor a notification');
select throws_ok($$ update quit.user_achievements set user_id = tests.get_user_id('quit-b@test.local') $$, '42501', null, 'nor an achievement');
select throws_ok($$ update quit.checkins set checkin_date = '2026-11-22' $$, '42501', null, 'a check-in keeps its date (a new day is a new check-in)');

-- The service role writes what clients cannot
select tests.authenticate_as_service_role();
insert into quit.notifications (user_id, kind, title) values (tests.get_user_id('quit-a@test.local'), 'test', 'hello');
select is((select count(*)::int from quit.notifications where kind = 'test'), 1, 'the service role adds notifications and reads every row');
select is((select count(*)::int from quit.profiles), 1, 'and reads profiles');
select throws_ok($$ update quit.profiles set cigarettes_per_day = 1 $$, '42501', null, 'but writes no user data directly');

-- Another user -------------------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.get_user_id('quit-b@test.local'));
select is((select count(*)::int from quit.profiles) + (select count(*)::int from quit.settings) + (select count(*)::int from quit.checkins)
          + (select count(*)::int from quit.smoking_records) + (select count(*)::int from quit.notifications), 0,
  'another user sees none of A''s profile, settings, check-ins, smoking records or notifications');
select throws_ok($$ insert into quit.checkins (id, user_id, checkin_date) values (gen_random_uuid(), tests.get_user_id('quit-a@test.local'), '2026-11-25') $$,
  '42501', null, 'nobody checks in for someone else');
select throws_ok($$ insert into quit.smoking_records (id, user_id, smoked_at, cigarettes_smoked) values (gen_random_uuid(), tests.get_user_id('quit-a@test.local'), now(), 1) $$,
  '42501', null, 'nor records cigarettes for them');
select throws_ok($$ insert into quit.profiles (id, user_id, quit_at, cigarettes_per_day) values (quit.row_id(tests.get_user_id('quit-a@test.local'), 'profile'), tests.get_user_id('quit-a@test.local'), now(), 5) $$,
  '42501', null, 'nor writes their profile');
select throws_ok($$ insert into quit.settings (id, user_id) values (quit.row_id(tests.get_user_id('quit-a@test.local'), 'settings'), tests.get_user_id('quit-a@test.local')) $$,
  '42501', null, 'nor their settings');
select is_empty($$ update quit.checkins set note = 'x' where user_id = tests.get_user_id('quit-a@test.local') returning id $$, 'nor changes their check-ins');
select is_empty($$ update quit.smoking_records set note = 'x' returning id $$, 'nor their smoking records');
select is_empty($$ update quit.profiles set quit_reason = 'x' returning id $$, 'nor their profile');
select is_empty($$ update quit.settings set reminder_enabled = false returning id $$, 'nor their settings');
select is_empty($$ update quit.notifications set read_at = now() returning id $$, 'nor marks their notifications read');
select lives_ok($$ insert into quit.checkins (id, user_id, checkin_date) values ('20000000-0000-4000-8000-000000000009', auth.uid(), '2026-11-21') $$,
  'B checks in the same date as A: dates are unique per user only');
select throws_ok($$ insert into quit.checkins (id, user_id, checkin_date) values ('20000000-0000-4000-8000-000000000002', auth.uid(), '2026-11-24') $$,
  '23505', null, 'an id A already uses is refused (and nothing of A''s row is shown)');
select is((select count(*)::int from quit.checkins where id = '20000000-0000-4000-8000-000000000002'), 0, 'A''s row stays hidden');

-- Anon -------------------------------------------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok($$ select count(*) from quit.checkins $$, '42501', null, 'anon reads no check-ins');
select throws_ok($$ select count(*) from quit.achievements $$, '42501', null, 'nor the catalog (signed-in users only)');
select throws_ok($$ insert into quit.profiles (id, user_id, quit_at, cigarettes_per_day) values (gen_random_uuid(), gen_random_uuid(), now(), 5) $$,
  '42501', null, 'nor writes profiles');

select * from finish();
rollback;
