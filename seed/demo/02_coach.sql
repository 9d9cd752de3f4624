-- Daily Coach: the coach demo user's last four local days, a record of each dimension a day and a note on the day
-- (the day logs and their scores follow from the records' triggers). Ids come from the date, so a start adds only
-- the days it has not seen, and never touches what the user changed.
create temporary table demo_coach_days on commit drop as
select u.id as user_id, p.timezone, n, (now() at time zone p.timezone)::date - n as day
  from auth.users u
  join public.profiles p on p.id = u.id
 cross join generate_series(0, 3) as n
 where u.raw_app_meta_data ->> 'demo_app' = 'coach';

insert into coach.workouts (id, user_id, log_date, workout_type, duration_minutes, intensity, calories)
select coach.row_id(user_id, 'demo/workout/' || day), user_id, day,
       (array['跑步', '瑜伽', '力量训练', '游泳'])[n + 1], 25 + 10 * n, (array['medium', 'low', 'high', 'medium'])[n + 1], 200 + 40 * n
  from demo_coach_days
on conflict (id) do nothing;

insert into coach.meals (id, user_id, log_date, meal_type, description, calories)
select coach.row_id(user_id, 'demo/meal/' || m.meal_type || '/' || day), user_id, day, m.meal_type, m.description, m.calories + 20 * n
  from demo_coach_days
 cross join (values ('breakfast', '燕麦粥和鸡蛋', 350), ('lunch', '番茄炒蛋盖饭', 650), ('dinner', '清蒸鱼和青菜', 550)) as m (meal_type, description, calories)
on conflict (id) do nothing;

insert into coach.sleeps (id, user_id, log_date, bed_time, wake_time, quality)
select coach.row_id(user_id, 'demo/sleep/' || day), user_id, day,
       ((day - 1) + time '23:00' + n * interval '10 minutes') at time zone timezone, (day + time '07:00') at time zone timezone, 3 + n % 2
  from demo_coach_days
on conflict (id) do nothing;

insert into coach.work_notes (id, user_id, log_date, focus_minutes, tasks_done, tasks, note)
select coach.row_id(user_id, 'demo/work/' || day), user_id, day, 90 + 30 * n, 2 + n,
       (array['周报', '需求评审', '修复登录问题', '整理文档'])[1:2 + n], '上午专注效率高'
  from demo_coach_days
on conflict (id) do nothing;

insert into coach.readings (id, user_id, log_date, book, minutes, pages, notes)
select coach.row_id(user_id, 'demo/reading/' || day), user_id, day, '原子习惯', 20 + 5 * n, 12 + 3 * n, '小习惯的复利：每天进步 1%。'
  from demo_coach_days
on conflict (id) do nothing;

update coach.day_logs l set note = '状态不错，按计划完成。', mood = 3 + d.n % 3
  from demo_coach_days d
 where l.id = coach.day_log_id(d.user_id, d.day) and l.note is null and l.mood is null;
