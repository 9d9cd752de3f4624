-- The wallet: currencies, accounts and the append-only ledger; every balance change goes through wallet_post /
-- wallet_consume.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function internal.ledger_violations() returns table(account_id uuid, balance bigint, entries_sum bigint, problem text)
    language sql stable
    set search_path to ''
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

revoke all on function internal.ledger_violations() from public;
grant all on function internal.ledger_violations() to service_role;

create function internal.wallet_entries_guard() returns trigger
    language plpgsql
    set search_path to ''
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

create function public.wallet_consume(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_reason text, p_idempotency_key text, p_ref_type text default null::text, p_ref_id text default null::text) returns jsonb
    language plpgsql security definer
    set search_path to ''
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
revoke all on function public.wallet_consume(public.app_id, uuid, text, bigint, text, text, text, text) from anon, authenticated, service_role;

comment on function public.wallet_consume(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text) is 'Spends p_amount (positive) from a user''s balance in a currency the app keeps, once per idempotency key. Returns {entry, replayed, balance}. INSUFFICIENT_BALANCE / IDEMPOTENCY_CONFLICT / NOT_FOUND / VALIDATION_FAILED as P0001.';

revoke all on function public.wallet_consume(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text) from public;
grant all on function public.wallet_consume(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text) to service_role;

-- public.wallet_currencies ------------------------------------------------------------------------------------------

create table public.wallet_currencies (
    app_id public.app_id not null,
    currency text not null,
    name text not null,
    name_zh text not null,
    constraint wallet_currencies_currency_check check ((currency ~ '^[a-z_]{2,20}$'::text))
);
revoke all on table public.wallet_currencies from anon, authenticated, service_role;

comment on table public.wallet_currencies is 'Which balances each app keeps (diary points, pickitchen points, companion coins). Catalog data from seed/.';

alter table only public.wallet_currencies
    add constraint wallet_currencies_pkey primary key (app_id, currency);

alter table only public.wallet_currencies
    add constraint wallet_currencies_app_id_fkey foreign key (app_id) references public.apps(id);

create policy "anon can read wallet currencies" on public.wallet_currencies for select to anon using (true);

create policy "authenticated users can read wallet currencies" on public.wallet_currencies for select to authenticated using (true);

alter table public.wallet_currencies enable row level security;

grant select on table public.wallet_currencies to anon;
grant select on table public.wallet_currencies to authenticated;
grant select on table public.wallet_currencies to service_role;

-- public.wallet_accounts --------------------------------------------------------------------------------------------

create table public.wallet_accounts (
    id uuid default gen_random_uuid() not null,
    app_id public.app_id not null,
    user_id uuid not null,
    currency text not null,
    balance bigint default 0 not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null
);
revoke all on table public.wallet_accounts from anon, authenticated, service_role;

comment on table public.wallet_accounts is 'One balance per user, app and currency. Changed only by public.wallet_post(); equals the sum of its entries.';

alter table only public.wallet_accounts
    add constraint wallet_accounts_owner_key unique (app_id, user_id, currency);

alter table only public.wallet_accounts
    add constraint wallet_accounts_pkey primary key (id);

create index wallet_accounts_user_id_idx on public.wallet_accounts using btree (user_id);

alter table only public.wallet_accounts
    add constraint wallet_accounts_currency_fkey foreign key (app_id, currency) references public.wallet_currencies(app_id, currency);

alter table only public.wallet_accounts
    add constraint wallet_accounts_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read wallet accounts" on public.wallet_accounts for select to service_role using (true);

create policy "users can read own wallet accounts" on public.wallet_accounts for select to authenticated using ((user_id = ( select auth.uid() as uid)));

alter table public.wallet_accounts enable row level security;

grant select on table public.wallet_accounts to authenticated;
grant select on table public.wallet_accounts to service_role;

-- public.wallet_entries ---------------------------------------------------------------------------------------------

create table public.wallet_entries (
    id bigint not null,
    account_id uuid not null,
    user_id uuid not null,
    app_id public.app_id not null,
    currency text not null,
    amount bigint not null,
    balance_after bigint not null,
    kind text not null,
    reason text not null,
    idempotency_key text not null,
    ref_type text,
    ref_id text,
    period text,
    created_at timestamp with time zone default now() not null,
    constraint wallet_entries_amount_check check ((amount <> 0)),
    constraint wallet_entries_idempotency_key_check check (((char_length(idempotency_key) >= 1) and (char_length(idempotency_key) <= 200))),
    constraint wallet_entries_kind_check check ((kind = any (array['purchase'::text, 'reward'::text, 'consume'::text, 'refund'::text, 'adjust'::text, 'expire'::text]))),
    constraint wallet_entries_period_check check ((period ~ '^\d{4}-(W\d{2}|\d{2}(-\d{2})?)$'::text)),
    constraint wallet_entries_reason_check check (((char_length(reason) >= 1) and (char_length(reason) <= 300))),
    constraint wallet_entries_ref_id_check check (((char_length(ref_id) >= 1) and (char_length(ref_id) <= 200))),
    constraint wallet_entries_ref_type_check check (((char_length(ref_type) >= 1) and (char_length(ref_type) <= 64))),
    constraint wallet_entries_sign check ((((kind = any (array['purchase'::text, 'reward'::text])) and (amount > 0)) or ((kind = any (array['consume'::text, 'expire'::text])) and (amount < 0)) or (kind = any (array['refund'::text, 'adjust'::text]))))
);
revoke all on table public.wallet_entries from anon, authenticated, service_role;

comment on table public.wallet_entries is 'Append-only ledger: every change of a wallet balance with the balance it left. Written only by public.wallet_post().';

alter table public.wallet_entries alter column id add generated always as identity (
    SEQUENCE NAME public.wallet_entries_id_seq
    start with 1
    increment by 1
    no minvalue
    no maxvalue
    cache 1
);
revoke all on sequence public.wallet_entries_id_seq from anon, authenticated, service_role;

alter table only public.wallet_entries
    add constraint wallet_entries_idempotency_key unique (account_id, idempotency_key);

alter table only public.wallet_entries
    add constraint wallet_entries_pkey primary key (id);

create index wallet_entries_account_id_idx on public.wallet_entries using btree (account_id, id);

create unique index wallet_entries_period_key on public.wallet_entries using btree (account_id, ref_type, period) where (period is not null);

create index wallet_entries_ref_idx on public.wallet_entries using btree (ref_type, ref_id) where (ref_id is not null);

create index wallet_entries_user_app_id_idx on public.wallet_entries using btree (user_id, app_id, id desc);

create trigger wallet_entries_append_only before delete or update on public.wallet_entries for each row execute function internal.wallet_entries_guard();

alter table only public.wallet_entries
    add constraint wallet_entries_account_id_fkey foreign key (account_id) references public.wallet_accounts(id) on delete cascade;

create policy "service role can read wallet entries" on public.wallet_entries for select to service_role using (true);

create policy "users can read own wallet entries" on public.wallet_entries for select to authenticated using ((user_id = ( select auth.uid() as uid)));

alter table public.wallet_entries enable row level security;

grant select on table public.wallet_entries to authenticated;
grant select on table public.wallet_entries to service_role;

grant all on sequence public.wallet_entries_id_seq to anon;
grant all on sequence public.wallet_entries_id_seq to authenticated;
grant all on sequence public.wallet_entries_id_seq to service_role;

create type internal.wallet_posting as (
	entry public.wallet_entries,
	replayed boolean
);

create function internal.wallet_account_locked(p_app_id public.app_id, p_user_id uuid, p_currency text) returns public.wallet_accounts
    language plpgsql
    set search_path to ''
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

comment on function internal.wallet_account_locked(p_app_id public.app_id, p_user_id uuid, p_currency text) is 'A user''s wallet account in a currency, created when missing, locked FOR UPDATE until the transaction ends.';

revoke all on function internal.wallet_account_locked(p_app_id public.app_id, p_user_id uuid, p_currency text) from public;

create function internal.wallet_post_locked(p_account public.wallet_accounts, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) returns internal.wallet_posting
    language plpgsql
    set search_path to ''
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

comment on function internal.wallet_post_locked(p_account public.wallet_accounts, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) is 'The posting behind wallet_post and wallet_consume, for an account row the caller has locked FOR UPDATE: the entry, and whether it already existed (same idempotency key, or the same ref and period).';

revoke all on function internal.wallet_post_locked(p_account public.wallet_accounts, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) from public;

create function public.wallet_post(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text default null::text, p_ref_id text default null::text, p_period text default null::text) returns public.wallet_entries
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  if p_amount is null or p_amount = 0 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'A wallet entry needs a non-zero amount.';
  end if;
  return (internal.wallet_post_locked(internal.wallet_account_locked(p_app_id, p_user_id, p_currency),
                                      p_amount, p_kind, p_reason, p_idempotency_key, p_ref_type, p_ref_id, p_period)).entry;
end
$$;
revoke all on function public.wallet_post(public.app_id, uuid, text, bigint, text, text, text, text, text, text) from anon, authenticated, service_role;

comment on function public.wallet_post(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) is 'The only way a balance changes: locks the account, refuses to go below zero (except for refunds, which say so), appends the entry with balance_after, updates the balance. A repeated idempotency key (or a second periodic entry for the same ref and period) returns the original entry and changes nothing. Security definer because no role may write the ledger tables directly.';

revoke all on function public.wallet_post(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) from public;
grant all on function public.wallet_post(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) to service_role;
