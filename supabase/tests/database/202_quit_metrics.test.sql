-- quit.user_metrics, checkin_stats and smoking_stats against hand-computed values, in Asia/Shanghai (UTC+8) with
-- records minutes either side of local midnight, a streak broken by a deleted check-in, and tombstones not counting.
begin;
select plan(27);

select tests.create_user('quit-metrics-a@test.local');
select tests.create_user('quit-metrics-b@test.local');
select tests.authenticate_as(tests.get_user_id('quit-metrics-a@test.local'));

-- Quit at 22:00 local on 2026-11-20 (14:00 UTC); 20 a day at 1.25 CNY.
insert into quit.profiles (id, user_id, quit_at, cigarettes_per_day, price_per_cigarette, timezone)
values (quit.row_id(auth.uid(), 'profile'), auth.uid(), '2026-11-20 22:00+08', 20, 1.25, 'Asia/Shanghai');

insert into quit.smoking_records (id, user_id, smoked_at, cigarettes_smoked, trigger_tags, deleted_at) values
  ('30000000-0000-4000-8000-000000000001', auth.uid(), '2026-11-20 21:00+08', 5, '{habit}', null),         -- before quitting: history
  ('30000000-0000-4000-8000-000000000002', auth.uid(), '2026-11-22 23:50+08', 2, '{stress,coffee}', null), -- local 11-22
  ('30000000-0000-4000-8000-000000000003', auth.uid(), '2026-11-23 00:10+08', 1, '{stress}', null),        -- local 11-23, UTC 11-22
  ('30000000-0000-4000-8000-000000000004', auth.uid(), '2026-11-30 00:20+08', 1, '{}', null),              -- today, local
  ('30000000-0000-4000-8000-000000000005', auth.uid(), '2026-11-25 12:00+08', 3, '{alcohol}', now()),      -- deleted
  ('30000000-0000-4000-8000-000000000006', auth.uid(), '2026-11-30 01:00+08', 1, '{}', null);              -- after p_at

-- Checked in 11-15 … 11-23 and 11-25 … 11-29; 11-24's check-in was deleted; 11-14 was a day without (is_checked_in false).
insert into quit.checkins (id, user_id, checkin_date, is_checked_in)
select gen_random_uuid(), auth.uid(), d::date, true
  from generate_series('2026-11-15'::date, '2026-11-29'::date, interval '1 day') d where d::date <> '2026-11-24';
insert into quit.checkins (id, user_id, checkin_date, is_checked_in, deleted_at) values (gen_random_uuid(), auth.uid(), '2026-11-24', true, now());
insert into quit.checkins (id, user_id, checkin_date, is_checked_in) values (gen_random_uuid(), auth.uid(), '2026-11-14', false);

-- At 00:30 local on 2026-11-30 (16:30 UTC on 11-29).
create temporary table m as select quit.user_metrics(auth.uid(), '2026-11-30 00:30+08') as v;

select is((select v ->> 'timezone' from m), 'Asia/Shanghai', 'metrics are counted in the profile''s timezone');
select is((select (v ->> 'seconds_since_quit')::bigint from m), 786600::bigint, 'seconds since quit: 9 days and 2.5 hours');
select is((select (v ->> 'days_since_quit')::int from m), 10, 'days since quit: local 11-20 to local 11-30 is 10 (in UTC it would be 9)');
select is((select (v ->> 'cigarettes_smoked_since_quit')::int from m), 4,
  'smoked since quit: 2 + 1 + 1; the record before quitting, the deleted one and the one after the moment do not count');
select is((select (v ->> 'smoke_free_days')::int from m), 8,
  'smoke-free days: 10 minus local 11-22 and 11-23 (two days, though both records fall on 11-22 in UTC); today is not yet a day');
select is((select (v ->> 'cigarettes_avoided')::int from m), 196, 'cigarettes avoided: 20 × 10 − 4');
select is((select v ->> 'money_saved' from m), '245.00', 'money saved: 196 × 1.25, exact, as a decimal string with 2 places');
select is((select v ->> 'currency' from m), 'CNY', 'in the profile''s currency');
select is((select (v ->> 'total_checkins')::int from m), 14, 'total check-ins: 15 days minus the deleted one; the unchecked day does not count');
select is((select (v ->> 'current_streak')::int from m), 5, 'current streak: 11-25 … 11-29, alive through yesterday while today is not checked in');
select is((select (v ->> 'longest_streak')::int from m), 9, 'longest streak: 11-15 … 11-23, ended by the deleted check-in of 11-24');

select is((quit.user_metrics(auth.uid(), '2026-11-30 00:30+08') -> 'smoke_free_days')::int, 8, 'the same moment gives the same answer');
update quit.profiles set timezone = 'UTC';
select is((quit.user_metrics(auth.uid(), '2026-11-30 00:30+08') ->> 'days_since_quit')::int, 9, 'in UTC the same moment is 9 days since quitting');
update quit.profiles set timezone = 'Asia/Shanghai';

update quit.profiles set quit_at = '2026-12-05 08:00+08';
select is((quit.user_metrics(auth.uid(), '2026-11-30 00:30+08') ->> 'cigarettes_avoided')::int, 0, 'a quit date in the future avoids nothing yet');
select is((quit.user_metrics(auth.uid(), '2026-11-30 00:30+08') ->> 'seconds_since_quit')::int, 0, 'and has no smoke-free time');
update quit.profiles set quit_at = '2026-11-20 22:00+08';

-- Check-in stats over 11-21 … 11-30
create temporary table c as select quit.checkin_stats(auth.uid(), '2026-11-21', '2026-11-30') as v;
select is((select (v ->> 'total_days')::int from c), 8, 'check-in stats: 11-21, 22, 23 and 25 … 29 in the range');
select is((select (v ->> 'days_in_range')::int from c), 10, 'of 10 days');
select is((select (v ->> 'checkin_rate')::numeric from c), 0.8, 'a rate of 0.8');
select is((select (v ->> 'longest_streak')::int from c), 5, 'the longest run within the range: 11-25 … 11-29 (11-15 … 11-23 is cut to 3 days)');
select throws_ok($$ select quit.checkin_stats(auth.uid(), '2026-11-30', '2026-11-21') $$, 'P0001', 'VALIDATION_FAILED', 'a range that ends before it starts is refused');

-- Smoking stats over local 11-22 … 11-23
create temporary table s as select quit.smoking_stats(auth.uid(), '2026-11-22', '2026-11-23') as v;
select is((select v -> 'totals' from s), '{"records": 2, "cigarettes": 3, "days_in_range": 2, "days_with_smoking": 2, "average_per_day": 1.50}'::jsonb,
  'smoking totals over local 11-22 … 11-23');
select is((select v -> 'per_day' from s), '[{"date": "2026-11-22", "records": 1, "cigarettes": 2}, {"date": "2026-11-23", "records": 1, "cigarettes": 1}]'::jsonb,
  'per local day: the record at 00:10 local belongs to 11-23');
select is((select v -> 'per_week' from s), '[{"week": "2026-W47", "records": 1, "cigarettes": 2}, {"week": "2026-W48", "records": 1, "cigarettes": 1}]'::jsonb,
  'per ISO week: Sunday 11-22 ends week 47, Monday 11-23 starts week 48');
select is((select v -> 'by_trigger_tag' from s), '[{"tag": "stress", "records": 2, "cigarettes": 3}, {"tag": "coffee", "records": 1, "cigarettes": 2}]'::jsonb,
  'by trigger tag, most cigarettes first');
select is((select jsonb_path_query_array(v, '$.by_hour[*] ? (@.records > 0)') from s),
  '[{"hour": 0, "records": 1, "cigarettes": 1}, {"hour": 23, "records": 1, "cigarettes": 2}]'::jsonb, 'by local hour of day');

-- Another user sees nothing of A through the functions (RLS applies inside them)
select tests.authenticate_as(tests.get_user_id('quit-metrics-b@test.local'));
select is((quit.user_metrics(tests.get_user_id('quit-metrics-a@test.local'), '2026-11-30 00:30+08') ->> 'total_checkins')::int, 0,
  'another user reads none of A''s metrics');
select is((quit.smoking_stats(tests.get_user_id('quit-metrics-a@test.local'), '2026-11-22', '2026-11-23') -> 'totals' ->> 'records')::int, 0,
  'nor A''s smoking stats');

select * from finish();
rollback;
