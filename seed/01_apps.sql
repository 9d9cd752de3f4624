-- The five apps this backend serves.
insert into public.apps (id, name, name_zh, description) values
  ('coach', 'Daily Coach', '日常教练', 'Five daily dimensions, nightly AI review, tomorrow''s plan, weekly and monthly stats.'),
  ('companion', 'Companion', 'AI 伴侣', 'AI companion chat with personas, vocabulary review and a coin wallet.'),
  ('quit', 'Quit Journey', '焕新之旅', 'Quit-smoking tracker: check-ins, smoking records, achievements.'),
  ('diary', 'Growth Diary', '成长日记', 'Kids'' growth diary on WeChat: diaries, tasks, points and a prize lottery.'),
  ('pickitchen', 'PicKitchen', 'PicKitchen', 'Photo to AI emoji video, points and VIP subscriptions.')
on conflict (id) do update
  set name = excluded.name, name_zh = excluded.name_zh, description = excluded.description;
