-- A client spending from its own balance (POST /{app}/wallet/consume): wallet_post with the checks a client-facing
-- spend needs, answering whether the idempotency key had already spent (a retry) and the balance after.

create or replace function public.wallet_consume(
  p_app_id public.app_id,
  p_user_id uuid,
  p_currency text,
  p_amount bigint,
  p_reason text,
  p_idempotency_key text,
  p_ref_type text default null,
  p_ref_id text default null
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_entry public.wallet_entries;
  v_replayed boolean;
begin
  if p_amount is null or p_amount <= 0 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'A spend needs a positive amount.';
  end if;
  if not exists (select 1 from public.wallet_currencies c where c.app_id = p_app_id and c.currency = p_currency) then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('This app keeps no "%s" balance.', p_currency);
  end if;
  -- The account's row lock (wallet_post takes it again) makes "had this key already spent?" race-free: a
  -- concurrent retry waits here and then sees the first one's entry.
  insert into public.wallet_accounts (app_id, user_id, currency) values (p_app_id, p_user_id, p_currency)
  on conflict (app_id, user_id, currency) do nothing;
  perform 1 from public.wallet_accounts a
   where a.app_id = p_app_id and a.user_id = p_user_id and a.currency = p_currency
     for update;
  v_replayed := exists (
    select 1 from public.wallet_entries e join public.wallet_accounts a on a.id = e.account_id
     where a.app_id = p_app_id and a.user_id = p_user_id and a.currency = p_currency and e.idempotency_key = p_idempotency_key);
  v_entry := public.wallet_post(p_app_id, p_user_id, p_currency, -p_amount, 'consume', p_reason, p_idempotency_key, p_ref_type, p_ref_id);
  return jsonb_build_object(
    'entry', to_jsonb(v_entry),
    'replayed', v_replayed,
    'balance', (select a.balance from public.wallet_accounts a where a.id = v_entry.account_id));
end
$$;
comment on function public.wallet_consume(public.app_id, uuid, text, bigint, text, text, text, text) is
  'Spends p_amount (positive) from a user''s balance in a currency the app keeps, once per idempotency key. Returns {entry, replayed, balance}. INSUFFICIENT_BALANCE / IDEMPOTENCY_CONFLICT / NOT_FOUND / VALIDATION_FAILED as P0001.';
revoke execute on function public.wallet_consume(public.app_id, uuid, text, bigint, text, text, text, text) from public, anon, authenticated;
grant execute on function public.wallet_consume(public.app_id, uuid, text, bigint, text, text, text, text) to service_role;
