-- A balance for each demo user whose app keeps one (Companion coins, Growth Diary and PicKitchen points), granted
-- once through the ledger: the idempotency key makes every later start a no-op.
select public.wallet_post(c.app_id, u.id, c.currency, 500, 'reward', 'Demo balance', 'demo-seed')
  from auth.users u
  join public.wallet_currencies c on c.app_id::text = u.raw_app_meta_data ->> 'demo_app';
