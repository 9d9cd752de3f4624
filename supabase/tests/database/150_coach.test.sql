begin;
select plan(16);

select tests.create_user('coach-a@test.local');
select tests.create_user('coach-b@test.local');
select tests.authenticate_as(tests.get_user_id('coach-a@test.local'));

insert into coach.workouts (id, user_id, log_date, workout_type, duration_minutes) values ('10000000-0000-4000-8000-000000000001', auth.uid(), '2026-11-20', 'run', 15);
select is((select id from coach.day_logs where log_date = '2026-11-20'), coach.day_log_id(auth.uid(), '2026-11-20'), 'a record creates its day log, with the id derived from the date');
select is((select score from coach.day_logs where log_date = '2026-11-20'), 10::smallint, 'and scores the day: 15 of 30 workout minutes = 0.5 × 20');
insert into coach.readings (id, user_id, log_date, book, minutes) values ('10000000-0000-4000-8000-000000000002', auth.uid(), '2026-11-20', 'b', 60);
select is((select score from coach.day_logs where log_date = '2026-11-20'), 30::smallint, 'reading over the goal counts once: 10 + 20');
update coach.workouts set deleted_at = now() where id = '10000000-0000-4000-8000-000000000001';
select is((select score from coach.day_logs where log_date = '2026-11-20'), 20::smallint, 'a tombstoned record no longer counts');
update coach.readings set log_date = '2026-11-21' where id = '10000000-0000-4000-8000-000000000002';
select is((select array_agg(score order by log_date) from coach.day_logs), array[null, 20]::smallint[], 'a record moved to another day rescores both');

-- A day that already has its log: the record takes the owner's next sync version, none is spent on the log.
insert into coach.workouts (id, user_id, log_date, workout_type, duration_minutes) values ('10000000-0000-4000-8000-000000000003', auth.uid(), '2026-11-23', 'run', 60);
insert into coach.workouts (id, user_id, log_date, workout_type, duration_minutes) values ('10000000-0000-4000-8000-000000000004', auth.uid(), '2026-11-23', 'run', 10);
select is((select version from coach.workouts where id = '10000000-0000-4000-8000-000000000004'),
          (select version + 1 from coach.day_logs where log_date = '2026-11-23'),
          'a record on a day with a log (its score already capped) takes the next version and leaves the log alone');
-- A day whose log was tombstoned: a new record revives it.
update coach.day_logs set deleted_at = now() where log_date = '2026-11-23';
insert into coach.meals (id, user_id, log_date, meal_type, description) values ('10000000-0000-4000-8000-000000000005', auth.uid(), '2026-11-23', 'lunch', 'soup');
select is((select deleted_at from coach.day_logs where log_date = '2026-11-23'), null, 'a record revives its day''s tombstoned log');
select is((select day_log_id from coach.meals where id = '10000000-0000-4000-8000-000000000005'), coach.day_log_id(auth.uid(), '2026-11-23'), 'and links to it');

select is(coach.stored_day_score('2026-11-21'), 20::smallint, 'a user reads a day''s stored score');
select throws_ok($$ update coach.day_logs set score = 100 $$, '42501', null, 'clients cannot set scores');
select throws_ok($$ update coach.readings set ai_summary = 'fake' $$, '42501', null, 'or AI texts');
select throws_ok($$ insert into coach.day_logs (id, user_id, log_date) values (gen_random_uuid(), auth.uid(), '2026-11-22') $$, '23514', null, 'a day log''s id must be the one derived from its date');
select lives_ok($$ insert into coach.day_logs (id, user_id, log_date, note) values (coach.day_log_id(auth.uid(), '2026-11-22'), auth.uid(), '2026-11-22', 'quiet day') $$, 'a client may create a day with the derived id');

select tests.authenticate_as(tests.get_user_id('coach-b@test.local'));
select throws_ok($$ insert into coach.workouts (id, user_id, log_date, workout_type, duration_minutes) values (gen_random_uuid(), tests.get_user_id('coach-a@test.local'), '2026-11-20', 'run', 15) $$,
  '42501', null, 'nobody writes records for someone else');
select is((select count(*)::int from coach.day_logs), 0, 'nor sees their days');
select is(coach.stored_day_score('2026-11-21'), null, 'nor their scores');

select * from finish();
rollback;
