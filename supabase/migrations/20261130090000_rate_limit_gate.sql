-- Rate limiting without a round trip of its own: the API sends the token take in the same message as the
-- request's transaction, ahead of it and committed on its own ("gate; commit; <transaction>"), so a failed request
-- still spends its token. A refused take raises, which skips the rest of the message: the transaction never runs.
-- Everything happens in one message on one connection, so it holds through a transaction-mode pooler too.

-- The take itself as one statement (an upsert per bucket) instead of three per bucket: it runs on every request.
-- A bucket row now remembers its capacity and window, so the refill can be computed inside ON CONFLICT.
alter table internal.rate_limit_buckets
  add column capacity integer,
  add column window_seconds integer,
  add column refused boolean not null default false;

-- The tokens a bucket holds now: what it had, refilled continuously since its last take, up to its capacity.
create or replace function internal.rate_limit_refill(p_tokens double precision, p_since timestamptz, p_capacity integer, p_window_seconds integer)
returns double precision
language plpgsql
stable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: with its search_path setting a SQL function would be planned again on every call.
  return least(p_capacity, p_tokens + greatest(0, extract(epoch from now() - p_since)) * p_capacity / p_window_seconds);
end
$$;

create or replace function internal.rate_limit_take(p_keys text[], p_capacities integer[], p_window_seconds integer[])
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_retry integer;
begin
  if cardinality(p_keys) is distinct from cardinality(p_capacities)
     or cardinality(p_keys) is distinct from cardinality(p_window_seconds) then
    raise exception using errcode = '22023', message = 'rate_limit_take: arrays differ in length';
  end if;
  -- A new bucket starts full and gives its first token; an existing one refills, then gives a token if it has
  -- one. The upsert's row lock serialises requests on one bucket.
  with wanted as (
    select distinct on (key) key, capacity, window_seconds
      from unnest(p_keys, p_capacities, p_window_seconds) as w (key, capacity, window_seconds)
  ),
  taken as (
    insert into internal.rate_limit_buckets as b (key, tokens, updated_at, capacity, window_seconds, refused)
    select key, capacity - 1, now(), capacity, window_seconds, false from wanted
    on conflict (key) do update set
      refused = internal.rate_limit_refill(b.tokens, b.updated_at, excluded.capacity, excluded.window_seconds) < 1,
      tokens = internal.rate_limit_refill(b.tokens, b.updated_at, excluded.capacity, excluded.window_seconds)
               - case when internal.rate_limit_refill(b.tokens, b.updated_at, excluded.capacity, excluded.window_seconds) >= 1 then 1 else 0 end,
      updated_at = now(), capacity = excluded.capacity, window_seconds = excluded.window_seconds
    returning b.tokens, b.refused, b.capacity, b.window_seconds
  )
  select coalesce(max(ceil((1 - tokens) * window_seconds / capacity)::integer) filter (where refused), 0) into v_retry from taken;
  return v_retry;
end
$$;

create or replace function internal.rate_limit_gate(p_keys text[], p_capacities integer[], p_window_seconds integer[])
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_retry integer := internal.rate_limit_take(p_keys, p_capacities, p_window_seconds);
begin
  if v_retry > 0 then
    -- Raising undoes this take too: a refused request spends nothing.
    raise exception using errcode = 'HT429', message = 'RATE_LIMITED', detail = v_retry::text;
  end if;
end
$$;
comment on function internal.rate_limit_gate(text[], integer[], integer[]) is
  'rate_limit_take that raises HT429 (DETAIL: the seconds to wait) when any bucket is empty, so the rest of the message it leads is skipped.';

revoke execute on function internal.rate_limit_gate(text[], integer[], integer[]) from public;
grant execute on function internal.rate_limit_gate(text[], integer[], integer[]) to service_role;
revoke execute on function internal.rate_limit_refill(double precision, timestamptz, integer, integer) from public;
