-- Columns a client may write: only an app's own fields; ids, owners, created_at, versions, AI output and derived
-- columns are the server's. The attack this guards against: linking one's own record to another user's day log
-- (its id is computable, coach.day_log_id(user, date)) and learning from the answer whether they logged that date.
begin;
select plan(29);

select tests.create_user('columns-a@test.local');
select tests.create_user('columns-b@test.local');
create temp table pushed (name text primary key, result jsonb);
grant all on pushed to authenticated;

-- B logged 2026-11-20 and nothing on 2026-11-21.
select tests.authenticate_as(tests.get_user_id('columns-b@test.local'));
insert into coach.workouts (id, log_date, workout_type, duration_minutes) values ('20000000-0000-4000-8000-00000000000b', '2026-11-20', 'run', 30);

-- The owner, as PostgREST lets them write ------------------------------------------------------------------
select tests.authenticate_as(tests.get_user_id('columns-a@test.local'));
insert into coach.workouts (id, log_date, workout_type, duration_minutes) values ('20000000-0000-4000-8000-00000000000a', '2026-11-01', 'run', 10);
insert into coach.targets (id, user_id, dimension, daily_goal, weekly_goal) values (coach.row_id(auth.uid(), 'target/reading'), auth.uid(), 'reading', 20, 140);
insert into coach.settings (id, user_id) values (coach.row_id(auth.uid(), 'settings'), auth.uid());

select throws_ok(
  $$ update coach.workouts set day_log_id = coach.day_log_id(tests.get_user_id('columns-b@test.local'), '2026-11-20') where id = '20000000-0000-4000-8000-00000000000a' $$,
  '42501', null, 'a user cannot link their record to a day another user logged');
select throws_ok(
  $$ update coach.workouts set day_log_id = coach.day_log_id(tests.get_user_id('columns-b@test.local'), '2026-11-21') where id = '20000000-0000-4000-8000-00000000000a' $$,
  '42501', null, 'and gets the same refusal for a date that user did not log');
select throws_ok(
  $$ insert into coach.workouts (id, log_date, day_log_id, workout_type, duration_minutes)
     values (gen_random_uuid(), '2026-11-20', coach.day_log_id(tests.get_user_id('columns-b@test.local'), '2026-11-20'), 'run', 5) $$,
  '42501', null, 'nor create a record linked to it');
select throws_ok($$ insert into coach.workouts (id, log_date, workout_type, duration_minutes, created_at) values (gen_random_uuid(), '2026-11-01', 'run', 5, '2000-01-01') $$,
  '42501', null, 'created_at is the server''s on insert');
select throws_ok($$ update coach.workouts set created_at = '2000-01-01' $$, '42501', null, 'and on update');
select throws_ok($$ insert into coach.workouts (id, log_date, workout_type, duration_minutes, version) values (gen_random_uuid(), '2026-11-01', 'run', 5, 1) $$,
  '42501', null, 'versions are the server''s');
select throws_ok($$ update coach.workouts set id = gen_random_uuid() $$, '42501', null, 'a record''s id never changes after insert');
select throws_ok($$ update coach.workouts set user_id = auth.uid() $$, '42501', null, 'nor its owner');
select throws_ok($$ insert into coach.readings (id, log_date, book, minutes, ai_summary) values (gen_random_uuid(), '2026-11-01', 'b', 5, 'my own summary') $$,
  '42501', null, 'AI summaries are written only by the server');
select throws_ok($$ update coach.targets set dimension = 'sleep' $$, '42501', null, 'a target''s dimension (its id''s key) never changes');
select throws_ok($$ update coach.settings set id = gen_random_uuid() $$, '42501', null, 'nor the settings'' id');
select lives_ok($$ update coach.workouts set log_date = '2026-11-02', duration_minutes = 20 where id = '20000000-0000-4000-8000-00000000000a' $$,
  'a record''s own fields stay writable');
select is((select day_log_id from coach.workouts where id = '20000000-0000-4000-8000-00000000000a'), coach.day_log_id(auth.uid(), '2026-11-02'),
  'and a record moved to another date links to the owner''s day of that date');

-- The owner, through sync push and import: the server's columns are ignored and listed -------------------------
insert into pushed select 'reading', public.sync_push_mutation('coach', 'phone', gen_random_uuid(), 'coach.readings', 'upsert',
  jsonb_build_object('id', '20000000-0000-4000-8000-0000000000a2', 'log_date', '2026-11-20', 'book', 'b', 'minutes', 30,
                     'day_log_id', coach.day_log_id(tests.get_user_id('columns-b@test.local'), '2026-11-20'),
                     'ai_summary', 'my own summary', 'created_at', '2000-01-01T00:00:00Z', 'version', 1), null);
select is((select result ->> 'status' from pushed where name = 'reading'), 'applied', 'a pushed row carrying server columns is applied');
select is((select result -> 'ignored' from pushed where name = 'reading'), '["day_log_id", "ai_summary", "created_at"]'::jsonb,
  'and says which of its columns the server ignored');
select ok((select day_log_id = coach.day_log_id(auth.uid(), '2026-11-20') and ai_summary is null and created_at = now()
              from coach.readings where id = '20000000-0000-4000-8000-0000000000a2'),
  'its day is the owner''s, it has no AI summary, and created_at is the server''s');
select throws_ok(
  format($$ select public.sync_push_mutation('coach', 'phone', gen_random_uuid(), 'coach.workouts', 'upsert', '{"id": "20000000-0000-4000-8000-00000000000a", "day_log_id": "%s"}', 100) $$,
         coach.day_log_id(tests.get_user_id('columns-b@test.local'), '2026-11-20')),
  'P0001', 'VALIDATION_FAILED', 'a push that changes only server columns is rejected');
select throws_ok(
  format($$ select public.sync_push_mutation('coach', 'phone', gen_random_uuid(), 'coach.workouts', 'upsert', '{"id": "20000000-0000-4000-8000-00000000000a", "day_log_id": "%s"}', 100) $$,
         coach.day_log_id(tests.get_user_id('columns-b@test.local'), '2026-11-21')),
  'P0001', 'VALIDATION_FAILED', 'the same way whether or not the other user logged that date');
insert into pushed select 'move', public.sync_push_mutation('coach', 'phone', gen_random_uuid(), 'coach.workouts', 'upsert',
  jsonb_build_object('id', '20000000-0000-4000-8000-00000000000a', 'log_date', '2026-11-20',
                     'day_log_id', coach.day_log_id(tests.get_user_id('columns-b@test.local'), '2026-11-20')), 100);
select is((select result -> 'row' ->> 'day_log_id' from pushed where name = 'move'), coach.day_log_id(auth.uid(), '2026-11-20')::text,
  'a pushed move to another date links to the owner''s day, whatever day_log_id it carried');
select is(public.sync_import_row('coach', 'coach.readings',
            jsonb_build_object('id', '20000000-0000-4000-8000-0000000000a3', 'log_date', '2026-11-20', 'book', 'b', 'minutes', 5, 'ai_summary', 'mine', 'created_at', '2000-01-01T00:00:00Z'))
          -> 'ignored', '["ai_summary", "created_at"]'::jsonb, 'an import ignores server columns too, and says so');
select is((select ai_summary from coach.readings where id = '20000000-0000-4000-8000-0000000000a3'), null, 'so an imported reading has no AI summary');

-- The server itself: day_log_id is derived whoever writes it ---------------------------------------------------
select tests.clear_authentication();
update coach.workouts set day_log_id = coach.day_log_id(tests.get_user_id('columns-b@test.local'), '2026-11-20') where id = '20000000-0000-4000-8000-00000000000a';
select is((select day_log_id from coach.workouts where id = '20000000-0000-4000-8000-00000000000a'),
          (select coach.day_log_id(user_id, log_date) from coach.workouts where id = '20000000-0000-4000-8000-00000000000a'),
  'not even the server can link a record to another user''s day');
select is((select count(*)::int from coach.workouts w where w.day_log_id = coach.day_log_id(tests.get_user_id('columns-b@test.local'), '2026-11-20')), 1,
  'the other user''s day has only their own record');

-- Another user ------------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.get_user_id('columns-b@test.local'));
select is_empty($$ update coach.workouts set note = 'mine' where id = '20000000-0000-4000-8000-00000000000a' returning id $$, 'another user cannot touch the record');
select throws_ok($$ update coach.workouts set day_log_id = null where id = '20000000-0000-4000-8000-00000000000a' $$, '42501', null, 'nor its day');
select throws_ok($$ select public.sync_push_mutation('coach', 'tablet', gen_random_uuid(), 'coach.workouts', 'upsert', '{"id": "20000000-0000-4000-8000-00000000000a", "log_date": "2026-11-20", "workout_type": "x", "duration_minutes": 1}', null) $$,
  '23505', null, 'and pushing its id collides instead of taking it over');

-- App profiles: last_seen_at is the time of the write -----------------------------------------------------------
select tests.authenticate_as(tests.get_user_id('columns-a@test.local'));
insert into public.app_profiles (user_id, app_id) values (auth.uid(), 'coach') on conflict do nothing;
select is((select last_seen_at from public.app_profiles where app_id = 'coach'), now(), 'a new app profile was last seen now');
update public.app_profiles set last_seen_at = '2000-01-01' where app_id = 'coach';
select is((select last_seen_at from public.app_profiles where app_id = 'coach'), now(), 'a client cannot backdate when it was last seen');
select throws_ok($$ update public.app_profiles set first_seen_at = '2000-01-01' $$, '42501', null, 'nor when it was first seen');

select * from finish();
rollback;
