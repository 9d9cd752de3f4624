-- Growth Diary: the profile counters the diary triggers keep (diary.recompute_profile), with hand-computed values.
begin;
select plan(27);

select tests.create_user('dp-a@test.local');
select tests.create_user('dp-b@test.local');
select tests.create_user('dp-sh@test.local');
select tests.create_user('dp-utc@test.local');
create temporary table u as
  select tests.get_user_id('dp-a@test.local') as a, tests.get_user_id('dp-b@test.local') as b,
         tests.get_user_id('dp-sh@test.local') as sh, tests.get_user_id('dp-utc@test.local') as utc;
-- Every test user's dates are Asia/Shanghai's (the default) unless set otherwise.
create temporary table d as select diary.local_date('Asia/Shanghai') as today;
grant select on u, d to authenticated, service_role;

create function pg_temp.counters(p_user uuid) returns text language sql as $$
  select concat_ws(' ', p.total_diaries, p.continuous_days, coalesce(p.last_diary_date - (select today from d), null)::text)
    from diary.profiles p where p.user_id = p_user
$$;

-- Owner: writes as the app does (RLS in force); counters are "total streak last-date-relative-to-today".
select tests.authenticate_as((select a from u));
insert into diary.diaries (id, entry_date, content) values
  ('00000000-0000-4000-8000-00000000a002', (select today - 2 from d), 'two days ago'),
  ('00000000-0000-4000-8000-00000000a001', (select today - 1 from d), 'yesterday'),
  ('00000000-0000-4000-8000-00000000a000', (select today from d), 'today');
select tests.clear_authentication();
select is(pg_temp.counters((select a from u)), '3 3 0', 'three consecutive days: 3 diaries, a streak of 3 ending today');

select tests.authenticate_as((select a from u));
insert into diary.diaries (id, entry_date, content) values ('00000000-0000-4000-8000-00000000a005', (select today - 5 from d), 'earlier');
select tests.clear_authentication();
select is(pg_temp.counters((select a from u)), '4 3 0', 'a non-consecutive day adds to the total, not to the streak');

select tests.authenticate_as((select a from u));
insert into diary.diaries (id, entry_date, content, is_draft) values ('00000000-0000-4000-8000-00000000a003', (select today - 3 from d), 'draft', true);
select tests.clear_authentication();
select is(pg_temp.counters((select a from u)), '4 3 0', 'a draft counts toward nothing');

select tests.authenticate_as((select a from u));
update diary.diaries set is_draft = false where id = '00000000-0000-4000-8000-00000000a003';
select tests.clear_authentication();
select is(pg_temp.counters((select a from u)), '5 4 0', 'publishing the draft extends the streak back to it');

select tests.authenticate_as((select a from u));
update diary.diaries set deleted_at = now() where id = '00000000-0000-4000-8000-00000000a001';
select tests.clear_authentication();
select is(pg_temp.counters((select a from u)), '4 1 0', 'a tombstoned diary breaks the streak');

select tests.authenticate_as((select a from u));
insert into diary.diaries (id, entry_date, content) values ('00000000-0000-4000-8000-00000000a011', (select today - 1 from d), 'written late');
select tests.clear_authentication();
select is(pg_temp.counters((select a from u)), '5 4 0', 'a back-dated diary fills the gap: the streak is whole again');

delete from diary.diaries where id = '00000000-0000-4000-8000-00000000a000';
select is(pg_temp.counters((select a from u)), '4 3 -1', 'deleting today''s diary: the streak ends yesterday and still counts');

delete from diary.diaries where id = '00000000-0000-4000-8000-00000000a011';
select is(pg_temp.counters((select a from u)), '3 0 -2', 'deleting yesterday''s too: the latest diary is older than yesterday, streak 0');

select tests.authenticate_as((select a from u));
update diary.diaries set entry_date = (select today - 1 from d) where id = '00000000-0000-4000-8000-00000000a005';
select tests.clear_authentication();
select is(pg_temp.counters((select a from u)), '3 3 -1', 'moving a diary to yesterday recomputes from the new date');

select tests.authenticate_as((select a from u));
update diary.diaries set content = 'edited' where id = '00000000-0000-4000-8000-00000000a005';
select tests.clear_authentication();
select is(pg_temp.counters((select a from u)), '3 3 -1', 'editing the text changes no counter');

select is((select count(*)::int from diary.profiles where user_id = (select a from u)), 1, 'one profile per user, made by the first diary');

-- Only drafts: the profile exists and counts nothing.
select tests.authenticate_as((select b from u));
insert into diary.diaries (id, entry_date, content, is_draft) values ('00000000-0000-4000-8000-00000000b000', (select today from d), 'draft', true);
select tests.clear_authentication();
select is((select concat_ws(' ', total_diaries, continuous_days, coalesce(last_diary_date::text, 'none')) from diary.profiles where user_id = (select b from u)),
  '0 0 none', 'a user with only drafts has no diaries, no streak and no last date');

-- The future is refused, in the user's timezone.
select tests.authenticate_as((select b from u));
select throws_ok($$ insert into diary.diaries (id, entry_date, content) values (gen_random_uuid(), (select today + 1 from d), 'x') $$,
  'P0001', 'VALIDATION_FAILED', 'a diary for tomorrow (local) is refused');
select throws_ok($$ update diary.diaries set entry_date = (select today + 1 from d) where id = '00000000-0000-4000-8000-00000000b000' $$,
  'P0001', 'VALIDATION_FAILED', '... also by moving one there');
select tests.clear_authentication();

-- Asia/Shanghai near midnight: diaries of 2026-11-30 and 2026-12-01 (local dates), evaluated at fixed instants.
insert into diary.diaries (id, user_id, entry_date, content) values
  (gen_random_uuid(), (select sh from u), '2026-11-30', 'x'), (gen_random_uuid(), (select sh from u), '2026-12-01', 'x'),
  (gen_random_uuid(), (select utc from u), '2026-11-30', 'x'), (gen_random_uuid(), (select utc from u), '2026-12-01', 'x');
update diary.profiles set timezone = 'UTC' where user_id = (select utc from u);
select is((diary.recompute_profile((select sh from u), '2026-12-01 15:59:59+00')).continuous_days, 2,
  'Shanghai 2026-12-01 23:59:59: the streak ends today, 2 days');
select is((diary.recompute_profile((select sh from u), '2026-12-01 16:00:00+00')).continuous_days, 2,
  'Shanghai 2026-12-02 00:00:00: the latest diary is yesterday, still 2');
select is((diary.recompute_profile((select sh from u), '2026-12-02 15:59:59+00')).continuous_days, 2,
  'Shanghai 2026-12-02 23:59:59: still yesterday, still 2');
select is((diary.recompute_profile((select sh from u), '2026-12-02 16:00:00+00')).continuous_days, 0,
  'Shanghai 2026-12-03 00:00:00: a whole day without a diary, 0');
select is((diary.recompute_profile((select utc from u), '2026-12-02 16:00:00+00')).continuous_days, 2,
  '... while at that instant it is 2026-12-02 in UTC: a UTC user keeps 2');
select is((select concat_ws(' ', total_diaries, continuous_days, last_diary_date) from diary.profiles where user_id = (select sh from u)),
  '2 0 2026-12-01', 'the recomputed counters are stored');
select is(diary.local_date('Asia/Shanghai', '2026-12-01 15:59:59+00'), '2026-12-01'::date, 'local date: 23:59:59 in Shanghai is still the 1st');
select is(diary.local_date('Asia/Shanghai', '2026-12-01 16:00:00+00'), '2026-12-02'::date, '... and midnight is the 2nd');

-- A changed timezone moves "today": the counters are recomputed then.
update diary.profiles set continuous_days = 99 where user_id = (select sh from u);
update diary.profiles set timezone = 'Europe/Berlin' where user_id = (select sh from u);
-- The two diaries are dated 2026-11-30 and 2026-12-01: the streak is 2 while the 1st is today or yesterday in Berlin.
select is((select continuous_days from diary.profiles where user_id = (select sh from u)),
  case when diary.local_date('Europe/Berlin', now()) - date '2026-12-01' <= 1 then 2 else 0 end,
  'changing the timezone recomputes the counters');

-- Streaks end when a day passes without a diary (pg_cron, hourly).
update diary.profiles set continuous_days = 5, last_diary_date = (select today - 2 from d) where user_id = (select b from u);
update diary.profiles set timezone = 'Asia/Shanghai' where user_id = (select sh from u);
update diary.profiles set continuous_days = 3, last_diary_date = (select today - 1 from d) where user_id = (select sh from u);
select cmp_ok(diary.expire_streaks(), '>=', 1, 'expire_streaks reports what it changed');
select is((select continuous_days from diary.profiles where user_id = (select b from u)), 0, 'a streak whose last diary is two days old expires');
select is((select continuous_days from diary.profiles where user_id = (select sh from u)), 3, 'a streak whose last diary is yesterday is kept');
select is((select count(*)::int from cron.job where jobname = 'diary-expire-streaks' and command = 'select diary.expire_streaks()'), 1, 'expire_streaks runs on a schedule');

select * from finish();
rollback;
