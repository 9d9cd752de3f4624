-- Growth Diary's catalogs and remote config. Inserted once: later edits made by admins in Studio are kept.

-- The daily task catalog: every active task appears for every user every day.
insert into diary.system_tasks (key, title, description, category, points_reward, sort) values
  ('write_diary', '{"zh-CN": "写一篇日记", "en": "Write a diary"}', '{"zh-CN": "记录今天发生的事", "en": "Write about your day"}', 'daily', 10, 1),
  ('read_20_minutes', '{"zh-CN": "阅读20分钟", "en": "Read for 20 minutes"}', '{"zh-CN": "读一本喜欢的书", "en": "Read a book you like"}', 'reading', 10, 2),
  ('homework', '{"zh-CN": "按时完成作业", "en": "Finish homework on time"}', '{}', 'study', 10, 3),
  ('exercise', '{"zh-CN": "运动30分钟", "en": "Exercise for 30 minutes"}', '{"zh-CN": "跳绳、跑步、打球都可以", "en": "Skipping, running or ball games"}', 'sport', 10, 4),
  ('tidy_room', '{"zh-CN": "整理房间", "en": "Tidy your room"}', '{}', 'chores', 5, 5),
  ('help_family', '{"zh-CN": "帮家人做一件事", "en": "Help your family with something"}', '{}', 'kindness', 5, 6),
  ('brush_teeth', '{"zh-CN": "早晚刷牙", "en": "Brush your teeth morning and night"}', '{}', 'habit', 5, 7),
  ('sleep_early', '{"zh-CN": "按时睡觉", "en": "Go to bed on time"}', '{}', 'habit', 5, 8)
on conflict (key) do nothing;

-- The prize catalog of the design (§3.2): probabilities sum to 1, unlimited stock. Seeds run on every start, so it
-- goes only into an empty catalog: an admin's catalog (other prizes, other odds) is never topped up past a sum of 1.
insert into diary.prizes (id, name, description, probability, stock, sort)
select v.id::uuid, v.name::jsonb, v.description::jsonb, v.probability, v.stock, v.sort from (values
  ('a0d1a7e0-0001-4000-8000-000000000001', '{"zh-CN": "小红花", "en": "Little red flower"}', '{"zh-CN": "表扬奖励", "en": "Praise"}', 0.3, -1, 1),
  ('a0d1a7e0-0002-4000-8000-000000000002', '{"zh-CN": "小星星", "en": "Little star"}', '{"zh-CN": "鼓励奖励", "en": "Encouragement"}', 0.25, -1, 2),
  ('a0d1a7e0-0003-4000-8000-000000000003', '{"zh-CN": "彩虹贴纸", "en": "Rainbow sticker"}', '{"zh-CN": "漂亮贴纸", "en": "A pretty sticker"}', 0.2, -1, 3),
  ('a0d1a7e0-0004-4000-8000-000000000004', '{"zh-CN": "小徽章", "en": "Little badge"}', '{"zh-CN": "成就徽章", "en": "An achievement badge"}', 0.15, -1, 4),
  ('a0d1a7e0-0005-4000-8000-000000000005', '{"zh-CN": "神秘礼物", "en": "Mystery gift"}', '{"zh-CN": "特殊奖励", "en": "A special reward"}', 0.1, -1, 5)
) v (id, name, description, probability, stock, sort)
where not exists (select 1 from diary.prizes);

-- What a draw costs, and every way to earn points besides tasks (read by the SQL rules at each write).
insert into public.app_config (app_id, key, value, description) values
  ('diary', 'lottery', '{"draw_cost": 10}', 'draw_cost: points one lottery draw costs (charged by diary.draw()).'),
  ('diary', 'points_rules', '{"first_diary_of_day": 5, "streak_bonuses": {"3": 10, "7": 30, "30": 100}, "custom_task_max_points": 20, "custom_tasks_per_day": 10, "opening_balance_max": 100000}',
   'first_diary_of_day: points for the first non-draft diary of the user''s today written that day (never a back-dated or imported one); streak_bonuses: days → points, paid on the day the streak of consecutive days with a diary written on its day reaches it (once per streak; back-dated and imported diaries do not count); custom_task_max_points: the most a custom task may reward; custom_tasks_per_day: live custom tasks per date, and custom-task completions that earn points per date (deleted tasks'' included; each custom task earns once ever); opening_balance_max: the most a migrated wx-storage balance grants.')
on conflict (app_id, key) do nothing;
