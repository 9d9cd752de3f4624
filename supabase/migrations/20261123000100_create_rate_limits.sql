-- Rate limiting for the API: token buckets kept in Postgres (Supabase has none built in).
-- Buckets are disposable, so the table is unlogged: no WAL per request, and a crash merely refills them.

create unlogged table internal.rate_limit_buckets (
  key text primary key,
  tokens double precision not null,
  updated_at timestamptz not null default now()
);
comment on table internal.rate_limit_buckets is 'Token buckets keyed by "<family>:<ip|user>:<id>". Unlogged: losing them on a crash only resets limits.';

create or replace function internal.rate_limit_take(p_keys text[], p_capacities integer[], p_window_seconds integer[])
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_retry integer := 0;
  v_rate double precision;
  v_tokens double precision;
  v_updated_at timestamptz;
begin
  if cardinality(p_keys) is distinct from cardinality(p_capacities)
     or cardinality(p_keys) is distinct from cardinality(p_window_seconds) then
    raise exception using errcode = '22023', message = 'rate_limit_take: arrays differ in length';
  end if;
  for i in 1 .. coalesce(cardinality(p_keys), 0) loop
    v_rate := p_capacities[i]::double precision / p_window_seconds[i];
    insert into internal.rate_limit_buckets (key, tokens, updated_at)
    values (p_keys[i], p_capacities[i], now())
    on conflict (key) do nothing;
    -- The row lock serialises concurrent requests on one bucket.
    select b.tokens, b.updated_at into v_tokens, v_updated_at
      from internal.rate_limit_buckets b where b.key = p_keys[i] for update;
    v_tokens := least(p_capacities[i], v_tokens + greatest(0, extract(epoch from now() - v_updated_at)) * v_rate);
    if v_tokens >= 1 then
      v_tokens := v_tokens - 1;
    else
      v_retry := greatest(v_retry, ceil((1 - v_tokens) / v_rate)::integer);
    end if;
    update internal.rate_limit_buckets set tokens = v_tokens, updated_at = now() where key = p_keys[i];
  end loop;
  return v_retry;
end
$$;
comment on function internal.rate_limit_take(text[], integer[], integer[]) is
  'Takes one token from each bucket (capacity per window, refilled continuously). Returns 0 when every bucket had a token, else the whole seconds until the emptiest one has one again.';
revoke execute on function internal.rate_limit_take(text[], integer[], integer[]) from public;
grant execute on function internal.rate_limit_take(text[], integer[], integer[]) to service_role;
grant select, insert, update, delete on internal.rate_limit_buckets to service_role;
