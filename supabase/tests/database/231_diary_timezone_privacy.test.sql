-- Growth Diary: a user's timezone (where they live, near enough) is theirs. diary.user_timezone() answers for any user,
-- so only the rules call it; a client asks for its own today with diary.caller_today().
begin;
select plan(4);

select tests.create_user('tz-a@test.local');
select tests.create_user('tz-b@test.local');
create temporary table u as select tests.get_user_id('tz-a@test.local') as a, tests.get_user_id('tz-b@test.local') as b;
grant select on u to authenticated;
insert into diary.profiles (id, user_id, timezone) select b, b, 'Pacific/Kiritimati' from u;

select tests.authenticate_as((select a from u));
select throws_ok($$ select diary.user_timezone((select b from u)) $$, '42501', null,
  'a user cannot read another user''s timezone');
select is(diary.caller_today(), diary.local_date('Asia/Shanghai'), 'a user reads their own today');
select throws_ok($$ insert into diary.diaries (id, entry_date, content) values (gen_random_uuid(), diary.local_date('Asia/Shanghai') + 1, 'x') $$,
  'P0001', 'VALIDATION_FAILED', 'a diary for a date after the user''s today is still refused');
select lives_ok($$ insert into diary.diaries (id, entry_date, content) values (gen_random_uuid(), diary.local_date('Asia/Shanghai'), 'x') $$,
  'a diary of today is still written');

select * from finish();
rollback;
