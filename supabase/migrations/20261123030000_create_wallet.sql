-- The one ledger for every money-like balance: Growth Diary and PicKitchen points, Companion coins.
-- Balances change only through public.wallet_post(), which locks the account, refuses to overdraw, appends an
-- entry carrying the resulting balance and is idempotent per account and key. Clients read their own rows;
-- no role may write the tables directly, not even service_role.

create table public.wallet_currencies (
  app_id public.app_id not null references public.apps (id),
  currency text not null check (currency ~ '^[a-z_]{2,20}$'),
  name text not null,
  name_zh text not null,
  primary key (app_id, currency)
);
comment on table public.wallet_currencies is 'Which balances each app keeps (diary points, pickitchen points, companion coins). Catalog data from seed/.';

alter table public.wallet_currencies enable row level security;
revoke all on public.wallet_currencies from anon, authenticated, service_role;
grant select on public.wallet_currencies to anon, authenticated, service_role;
create policy "anon can read wallet currencies" on public.wallet_currencies for select to anon using (true);
create policy "authenticated users can read wallet currencies" on public.wallet_currencies for select to authenticated using (true);

create table public.wallet_accounts (
  id uuid primary key default gen_random_uuid(),
  app_id public.app_id not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  currency text not null,
  balance bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint wallet_accounts_owner_key unique (app_id, user_id, currency),
  constraint wallet_accounts_currency_fkey foreign key (app_id, currency) references public.wallet_currencies (app_id, currency)
);
comment on table public.wallet_accounts is 'One balance per user, app and currency. Changed only by public.wallet_post(); equals the sum of its entries.';

create index wallet_accounts_user_id_idx on public.wallet_accounts (user_id);

alter table public.wallet_accounts enable row level security;
revoke all on public.wallet_accounts from anon, authenticated, service_role;
grant select on public.wallet_accounts to authenticated, service_role;
create policy "users can read own wallet accounts" on public.wallet_accounts
  for select to authenticated using (user_id = (select auth.uid()));
create policy "service role can read wallet accounts" on public.wallet_accounts
  for select to service_role using (true);

create table public.wallet_entries (
  id bigint generated always as identity primary key,
  account_id uuid not null references public.wallet_accounts (id) on delete cascade,
  -- The account's owner, app and currency, repeated so reads need no join and RLS no lookup.
  user_id uuid not null,
  app_id public.app_id not null,
  currency text not null,
  amount bigint not null check (amount <> 0),
  balance_after bigint not null,
  kind text not null check (kind in ('purchase', 'reward', 'consume', 'refund', 'adjust', 'expire')),
  reason text not null check (char_length(reason) between 1 and 300),
  idempotency_key text not null check (char_length(idempotency_key) between 1 and 200),
  ref_type text check (char_length(ref_type) between 1 and 64),
  ref_id text check (char_length(ref_id) between 1 and 200),
  -- The period a periodic reward is for: ISO week 2026-W48, month 2026-11 or day 2026-11-23.
  period text check (period ~ '^\d{4}-(W\d{2}|\d{2}(-\d{2})?)$'),
  created_at timestamptz not null default now(),
  constraint wallet_entries_idempotency_key unique (account_id, idempotency_key),
  constraint wallet_entries_sign check (
    (kind in ('purchase', 'reward') and amount > 0)
    or (kind in ('consume', 'expire') and amount < 0)
    or kind in ('refund', 'adjust'))
);
comment on table public.wallet_entries is 'Append-only ledger: every change of a wallet balance with the balance it left. Written only by public.wallet_post().';

create unique index wallet_entries_period_key on public.wallet_entries (account_id, ref_type, period) where period is not null;
create index wallet_entries_user_app_id_idx on public.wallet_entries (user_id, app_id, id desc);
create index wallet_entries_account_id_idx on public.wallet_entries (account_id, id);
create index wallet_entries_ref_idx on public.wallet_entries (ref_type, ref_id) where ref_id is not null;

alter table public.wallet_entries enable row level security;
revoke all on public.wallet_entries from anon, authenticated, service_role;
grant select on public.wallet_entries to authenticated, service_role;
create policy "users can read own wallet entries" on public.wallet_entries
  for select to authenticated using (user_id = (select auth.uid()));
create policy "service role can read wallet entries" on public.wallet_entries
  for select to service_role using (true);

create or replace function internal.wallet_entries_guard() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- Deleting the account (its user was deleted) takes its entries with it; nothing else may.
  if tg_op = 'DELETE' and pg_catalog.pg_trigger_depth() > 1 then
    return old;
  end if;
  raise exception using errcode = '42501', message = 'public.wallet_entries is append-only';
end
$$;
comment on function internal.wallet_entries_guard() is 'Trigger: the ledger is append-only; entries go only with their deleted account.';

create trigger wallet_entries_append_only before update or delete on public.wallet_entries
  for each row execute function internal.wallet_entries_guard();

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
declare
  v_account public.wallet_accounts;
  v_entry public.wallet_entries;
  v_balance bigint;
begin
  if p_amount is null or p_amount = 0 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'A wallet entry needs a non-zero amount.';
  end if;

  insert into public.wallet_accounts (app_id, user_id, currency) values (p_app_id, p_user_id, p_currency)
  on conflict (app_id, user_id, currency) do nothing;
  -- The row lock serialises every change of this balance.
  select * into v_account from public.wallet_accounts
   where app_id = p_app_id and user_id = p_user_id and currency = p_currency
   for update;

  select * into v_entry from public.wallet_entries where account_id = v_account.id and idempotency_key = p_idempotency_key;
  if found then
    if v_entry.amount <> p_amount or v_entry.kind <> p_kind then
      raise exception using errcode = 'P0001', message = 'IDEMPOTENCY_CONFLICT',
        detail = 'This idempotency key was already used for a different wallet change.';
    end if;
    return v_entry;
  end if;
  if p_period is not null then
    select * into v_entry from public.wallet_entries
     where account_id = v_account.id and ref_type is not distinct from p_ref_type and period = p_period;
    if found then
      return v_entry;
    end if;
  end if;

  v_balance := v_account.balance + p_amount;
  if v_balance < 0 and p_kind <> 'refund' then
    raise exception using errcode = 'P0001', message = 'INSUFFICIENT_BALANCE',
      detail = format('The balance is %s %s; this needs %s.', v_account.balance, p_currency, -p_amount);
  end if;

  insert into public.wallet_entries (account_id, user_id, app_id, currency, amount, balance_after, kind, reason,
                                     idempotency_key, ref_type, ref_id, period)
  values (v_account.id, p_user_id, p_app_id, p_currency, p_amount, v_balance, p_kind,
          -- A store refund may take back what was already spent: the entry says so.
          case when v_balance < 0 then left(p_reason, 240) || ' (balance below zero: already spent)' else p_reason end,
          p_idempotency_key, p_ref_type, p_ref_id, p_period)
  returning * into v_entry;
  update public.wallet_accounts set balance = v_balance, updated_at = now() where id = v_account.id;
  return v_entry;
end
$$;
comment on function public.wallet_post(public.app_id, uuid, text, bigint, text, text, text, text, text, text) is
  'The only way a balance changes: locks the account, refuses to go below zero (except for refunds, which say so), appends the entry with balance_after, updates the balance. A repeated idempotency key (or a second periodic entry for the same ref and period) returns the original entry and changes nothing. Security definer because no role may write the ledger tables directly.';
revoke execute on function public.wallet_post(public.app_id, uuid, text, bigint, text, text, text, text, text, text) from public, anon, authenticated;
grant execute on function public.wallet_post(public.app_id, uuid, text, bigint, text, text, text, text, text, text) to service_role;

create or replace function internal.ledger_violations()
returns table (account_id uuid, balance bigint, entries_sum bigint, problem text)
language sql
stable
set search_path = ''
as $$
  select a.id, a.balance, coalesce(s.total, 0), 'balance differs from the sum of its entries'
    from public.wallet_accounts a
    left join (select e.account_id, sum(e.amount)::bigint as total from public.wallet_entries e group by e.account_id) s on s.account_id = a.id
   where a.balance <> coalesce(s.total, 0)
  union all
  select a.id, a.balance, null, 'negative balance without a refund that caused it'
    from public.wallet_accounts a
   where a.balance < 0
     and not exists (select 1 from public.wallet_entries e where e.account_id = a.id and e.kind = 'refund' and e.balance_after < 0)
  union all
  select e.account_id, e.balance_after, null, 'an entry''s balance_after does not follow from the previous one'
    from (select x.account_id, x.balance_after, x.amount,
                 lag(x.balance_after, 1, 0::bigint) over (partition by x.account_id order by x.id) as before
            from public.wallet_entries x) e
   where e.balance_after <> e.before + e.amount
$$;
comment on function internal.ledger_violations() is 'Ledger invariants (balance = sum of entries, no unexplained negative balance, a consistent balance_after chain). Empty when the ledger is sound; checked after every test run.';
revoke execute on function internal.ledger_violations() from public;
grant execute on function internal.ledger_violations() to service_role;
