-- Growth Diary: custom_tasks_per_day caps the days a task can still earn on (the user's yesterday onward); a day before
-- that, whose tasks diary.complete_task never completes, keeps every task a phone brings (the wx-storage import).
begin;
select plan(3);

select tests.create_user('dth-a@test.local');
create temporary table u as select tests.get_user_id('dth-a@test.local') as a, diary.local_date('Asia/Shanghai') as today;
grant select on u to authenticated;

select tests.authenticate_as((select a from u));
select lives_ok($$ insert into diary.custom_tasks (id, task_date, title)
                   select gen_random_uuid(), (select today - 2 from u), 'old chore ' || n from generate_series(1, 12) n $$,
  'a day before yesterday takes more than custom_tasks_per_day (10) tasks: they can never be completed');
insert into diary.custom_tasks (id, task_date, title) select gen_random_uuid(), (select today - 1 from u), 'chore ' || n from generate_series(1, 10) n;
select throws_ok($$ insert into diary.custom_tasks (id, task_date, title) values (gen_random_uuid(), (select today - 1 from u), 'one too many') $$,
  'P0001', 'BUSINESS_RULE_VIOLATION', 'yesterday still holds at most custom_tasks_per_day tasks');
select throws_ok($$ update diary.custom_tasks set task_date = task_date + 1 where title = 'old chore 1' $$,
  'P0001', 'BUSINESS_RULE_VIOLATION', 'a task of that older day is not moved into a full yesterday');

select * from finish();
rollback;
