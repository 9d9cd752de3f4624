-- A spend took the account's lock twice, looked its idempotency key up twice and read the balance back at the end:
-- wallet_consume locked the account to learn race-free whether the key had already spent, then wallet_post did it
-- all again. The posting now lives in one function for an account whose lock the caller holds, which also says
-- whether it replayed; wallet_post and wallet_consume each lock once and call it. Behaviour is unchanged.

-- What a posting gives back: the entry, and whether it already existed.
create type internal.wallet_posting as (entry public.wallet_entries, replayed boolean);

create or replace function internal.wallet_post_locked(
  p_account public.wallet_accounts,
  p_amount bigint,
  p_kind text,
  p_reason text,
  p_idempotency_key text,
  p_ref_type text,
  p_ref_id text,
  p_period text
) returns internal.wallet_posting
language plpgsql
set search_path = ''
as $$
declare
  v_entry public.wallet_entries;
  v_balance bigint;
begin
  select * into v_entry from public.wallet_entries e where e.account_id = p_account.id and e.idempotency_key = p_idempotency_key;
  if found then
    if v_entry.amount <> p_amount or v_entry.kind <> p_kind then
      raise exception using errcode = 'P0001', message = 'IDEMPOTENCY_CONFLICT',
        detail = 'This idempotency key was already used for a different wallet change.';
    end if;
    return row(v_entry, true)::internal.wallet_posting;
  end if;
  if p_period is not null then
    select * into v_entry from public.wallet_entries e
     where e.account_id = p_account.id and e.ref_type is not distinct from p_ref_type and e.period = p_period;
    if found then
      return row(v_entry, true)::internal.wallet_posting;
    end if;
  end if;

  v_balance := p_account.balance + p_amount;
  if v_balance < 0 and p_kind <> 'refund' then
    raise exception using errcode = 'P0001', message = 'INSUFFICIENT_BALANCE',
      detail = format('The balance is %s %s; this needs %s.', p_account.balance, p_account.currency, -p_amount);
  end if;

  insert into public.wallet_entries (account_id, user_id, app_id, currency, amount, balance_after, kind, reason,
                                     idempotency_key, ref_type, ref_id, period)
  values (p_account.id, p_account.user_id, p_account.app_id, p_account.currency, p_amount, v_balance, p_kind,
          -- A store refund may take back what was already spent: the entry says so.
          case when v_balance < 0 then left(p_reason, 240) || ' (balance below zero: already spent)' else p_reason end,
          p_idempotency_key, p_ref_type, p_ref_id, p_period)
  returning * into v_entry;
  update public.wallet_accounts set balance = v_balance, updated_at = now() where id = p_account.id;
  return row(v_entry, false)::internal.wallet_posting;
end
$$;
comment on function internal.wallet_post_locked(public.wallet_accounts, bigint, text, text, text, text, text, text) is
  'The posting behind wallet_post and wallet_consume, for an account row the caller has locked FOR UPDATE: the entry, and whether it already existed (same idempotency key, or the same ref and period).';
revoke execute on function internal.wallet_post_locked(public.wallet_accounts, bigint, text, text, text, text, text, text) from public;

-- The account row, created when missing, locked: the lock serialises every change of this balance.
create or replace function internal.wallet_account_locked(p_app_id public.app_id, p_user_id uuid, p_currency text)
returns public.wallet_accounts
language plpgsql
set search_path = ''
as $$
declare
  v_account public.wallet_accounts;
begin
  insert into public.wallet_accounts (app_id, user_id, currency) values (p_app_id, p_user_id, p_currency)
  on conflict (app_id, user_id, currency) do nothing;
  select * into v_account from public.wallet_accounts a
   where a.app_id = p_app_id and a.user_id = p_user_id and a.currency = p_currency
     for update;
  return v_account;
end
$$;
comment on function internal.wallet_account_locked(public.app_id, uuid, text) is
  'A user''s wallet account in a currency, created when missing, locked FOR UPDATE until the transaction ends.';
revoke execute on function internal.wallet_account_locked(public.app_id, uuid, text) from public;

create or replace function public.wallet_post(
  p_app_id public.app_id,
  p_user_id uuid,
  p_currency text,
  p_amount bigint,
  p_kind text,
  p_reason text,
  p_idempotency_key text,
  p_ref_type text default null,
  p_ref_id text default null,
  p_period text default null
) returns public.wallet_entries
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_amount is null or p_amount = 0 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'A wallet entry needs a non-zero amount.';
  end if;
  return (internal.wallet_post_locked(internal.wallet_account_locked(p_app_id, p_user_id, p_currency),
                                      p_amount, p_kind, p_reason, p_idempotency_key, p_ref_type, p_ref_id, p_period)).entry;
end
$$;

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
  v_account public.wallet_accounts;
  v_posted internal.wallet_posting;
begin
  if p_amount is null or p_amount <= 0 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'A spend needs a positive amount.';
  end if;
  if not exists (select 1 from public.wallet_currencies c where c.app_id = p_app_id and c.currency = p_currency) then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('This app keeps no "%s" balance.', p_currency);
  end if;
  -- Under the account's lock "had this key already spent?" is race-free: a concurrent retry waits for the lock
  -- and then finds the first one's entry.
  v_account := internal.wallet_account_locked(p_app_id, p_user_id, p_currency);
  v_posted := internal.wallet_post_locked(v_account, -p_amount, 'consume', p_reason, p_idempotency_key, p_ref_type, p_ref_id, null);
  return jsonb_build_object(
    'entry', to_jsonb(v_posted.entry),
    'replayed', v_posted.replayed,
    -- The lock is held: a replay leaves the balance as it was read, a new entry says what it left.
    'balance', case when v_posted.replayed then v_account.balance else (v_posted.entry).balance_after end);
end
$$;
