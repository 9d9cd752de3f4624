-- The achievement rule language (quit.valid_rule) and the seeded catalog.
begin;
select plan(20);

select ok(quit.valid_rule('{"smoke_free_days": {"gte": 7}}'), 'a leaf with a whole-number threshold is a rule');
select ok(quit.valid_rule('{"money_saved": {"gte": "99.50"}}'), 'money thresholds are decimal strings');
select ok(quit.valid_rule('{"all": [{"checkin_streak": {"gte": 3}}, {"any": [{"total_checkins": {"gte": 5}}, {"cigarettes_avoided": {"gte": 10}}]}]}'),
  'combinators nest');
select ok(not quit.valid_rule('{"money_saved": {"gte": 100}}'), 'a money threshold as a JSON number is refused (amounts stay exact)');
select ok(not quit.valid_rule('{"money_saved": {"gte": "1.005"}}'), 'a money threshold with three decimals is refused');
select ok(not quit.valid_rule('{"smoke_free_days": {"gte": 1.5}}'), 'a fractional day count is refused');
select ok(not quit.valid_rule('{"smoke_free_days": {"gte": 0}}'), 'a threshold of 0 (met by everyone) is refused');
select ok(not quit.valid_rule('{"smoke_free_days": {"gt": 3}}'), 'only gte is an operator');
select ok(not quit.valid_rule('{"smoke_free_days": {"gte": 3, "lte": 9}}'), 'a leaf has exactly one operator');
select ok(not quit.valid_rule('{"lungs_cleared": {"gte": 3}}'), 'unknown metrics are refused');
select ok(not quit.valid_rule('{"smoke_free_days": {"gte": 3}, "total_checkins": {"gte": 1}}'), 'a rule has exactly one key');
select ok(not quit.valid_rule('{"all": []}'), 'an empty combinator is refused');
select ok(not quit.valid_rule('{"any": [{"smoke_free_days": {"gte": 3}}, {"nope": 1}]}'), 'a combinator with a malformed member is refused');
select ok(not quit.valid_rule('[{"smoke_free_days": {"gte": 3}}]'), 'a bare array is not a rule');

select throws_ok($$ insert into quit.achievements (key, name, description, icon, category, rule)
                    values ('broken', '{"zh-CN":"坏","en":"broken"}', '{"zh-CN":"坏","en":"broken"}', 'x', 'special', '{"smoke_free_days": {"gte": "7"}}') $$,
  '23514', null, 'the catalog refuses a malformed rule');
select throws_ok($$ insert into quit.achievements (key, name, description, icon, category, rule)
                    values ('no_english', '{"zh-CN":"中文"}', '{"zh-CN":"中文","en":"x"}', 'x', 'special', '{"smoke_free_days": {"gte": 7}}') $$,
  '23514', null, 'and a name without both zh-CN and en');

select is((select count(*)::int from quit.achievements where active), 18, 'the seeded catalog has 18 active achievements');
select set_eq($$ select key from quit.achievements $$,
  array['first_day', 'three_days', 'one_week', 'two_weeks', 'one_month', 'hundred_days', 'one_year', 'money_100', 'money_500',
        'money_1000', 'checkin_streak_7', 'checkin_streak_30', 'checkins_10', 'checkins_100', 'avoided_100', 'avoided_1000',
        'good_start', 'steady_month'],
  'with the milestones the app shows: days, money, streaks, totals, cigarettes avoided and combined rules');
select is((select count(*)::int from quit.achievements where rule ?| array['all', 'any']), 2, 'two of them combine rules');

select tests.authenticate_as(tests.create_user('quit-catalog@test.local'));
select is((select count(*)::int from quit.achievements), 18, 'a signed-in user reads the whole catalog');

select * from finish();
rollback;
