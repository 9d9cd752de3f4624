-- What each app sells. Store product ids are the ones configured in App Store Connect / Play Console.
insert into public.products (id, app_id, kind, plan, currency, grant_amount, app_store_product_id, play_store_product_id, title, price_hint) values
  ('pickitchen.vip_weekly', 'pickitchen', 'subscription', 'weekly', 'points', 2000, 'com.houtai.pickitchen.vip.weekly', 'pickitchen_vip_weekly', 'PicKitchen VIP (weekly)', '$4.99/week'),
  ('pickitchen.vip_lifetime', 'pickitchen', 'subscription', 'lifetime', null, 0, 'com.houtai.pickitchen.vip.lifetime', 'pickitchen_vip_lifetime', 'PicKitchen VIP (lifetime)', '$49.99'),
  ('pickitchen.points_500', 'pickitchen', 'points_pack', null, 'points', 500, 'com.houtai.pickitchen.points.500', 'pickitchen_points_500', '500 points', '$1.99'),
  ('pickitchen.points_2000', 'pickitchen', 'points_pack', null, 'points', 2000, 'com.houtai.pickitchen.points.2000', 'pickitchen_points_2000', '2000 points', '$6.99'),
  ('companion.coins_60', 'companion', 'coins_pack', null, 'coins', 60, 'com.houtai.companion.coins.60', 'companion_coins_60', '60 心动币', '¥6'),
  ('companion.coins_300', 'companion', 'coins_pack', null, 'coins', 300, 'com.houtai.companion.coins.300', 'companion_coins_300', '300 心动币', '¥30'),
  ('companion.premium_monthly', 'companion', 'subscription', 'monthly', null, 0, 'com.houtai.companion.premium.monthly', 'companion_premium_monthly', 'Companion Premium (monthly)', '¥25/month'),
  ('quit.premium_yearly', 'quit', 'subscription', 'yearly', null, 0, 'com.houtai.quit.premium.yearly', 'quit_premium_yearly', 'Quit Journey Premium (yearly)', '¥98/year')
on conflict (id) do update set
  app_id = excluded.app_id, kind = excluded.kind, plan = excluded.plan, currency = excluded.currency, grant_amount = excluded.grant_amount,
  app_store_product_id = excluded.app_store_product_id, play_store_product_id = excluded.play_store_product_id,
  title = excluded.title, price_hint = excluded.price_hint;
