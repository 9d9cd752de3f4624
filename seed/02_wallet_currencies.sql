-- The balances each app keeps.
insert into public.wallet_currencies (app_id, currency, name, name_zh) values
  ('diary', 'points', 'Points', '积分'),
  ('pickitchen', 'points', 'Points', '积分'),
  ('companion', 'coins', 'Heart coins', '心动币'),
  ('quit', 'points', 'Points', '积分')
on conflict (app_id, currency) do update set name = excluded.name, name_zh = excluded.name_zh;
