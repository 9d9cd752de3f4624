-- Rate limiting without a round trip of its own: the API sends the token take on the request's connection just
-- ahead of the request's transaction, in the same write, and the transaction's first statement checks the verdict.
-- The take commits on its own (a failed or refused request still spends its token); the check raises before any of
-- the transaction's statements run, so a refused request changes nothing.

-- The take itself as one statement (an upsert per bucket) instead of three per bucket: it runs on every request.
-- A bucket row now remembers its capacity and window, so the refill can be computed inside ON CONFLICT.
alter table internal.rate_limit_buckets
  add column capacity integer,
  add column window_seconds integer,
  add column refused boolean not null default false;

-- The tokens a bucket holds now: what it had, refilled continuously since its last take, up to its capacity.
create or replace function internal.rate_limit_refill(p_tokens double precision, p_since timestamptz, p_capacity integer, p_window_seconds integer)
returns double precision
language sql
stable
set search_path = ''
as $$
  select least(p_capacity, p_tokens + greatest(0, extract(epoch from now() - p_since)) * p_capacity / p_window_seconds)
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

create or replace function internal.rate_limit_gate(p_nonce text, p_keys text[], p_capacities integer[], p_window_seconds integer[])
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_retry integer := internal.rate_limit_take(p_keys, p_capacities, p_window_seconds);
begin
  -- Session-wide, so the verdict outlives this statement's own transaction; the nonce ties it to one request.
  perform set_config('houtai.rate_limit_verdict', p_nonce || ':' || v_retry, false);
  return v_retry;
end
$$;
comment on function internal.rate_limit_gate(text, text[], integer[], integer[]) is
  'rate_limit_take, remembering the verdict for this session under the request''s nonce for rate_limit_guard.';

create or replace function internal.rate_limit_guard(p_nonce text)
returns void
language plpgsql
set search_path = ''
as $$
begin
  -- Anything but this request's own "allowed" verdict refuses: a refusal, or a gate that never ran.
  if current_setting('houtai.rate_limit_verdict', true) is distinct from p_nonce || ':0' then
    raise exception using errcode = 'HT429', message = 'rate limited';
  end if;
end
$$;
comment on function internal.rate_limit_guard(text) is
  'Raises HT429 unless rate_limit_gate allowed the request with this nonce on this session.';

revoke execute on function internal.rate_limit_gate(text, text[], integer[], integer[]) from public;
revoke execute on function internal.rate_limit_guard(text) from public;
grant execute on function internal.rate_limit_gate(text, text[], integer[], integer[]) to service_role;
grant execute on function internal.rate_limit_guard(text) to service_role;
revoke execute on function internal.rate_limit_refill(double precision, timestamptz, integer, integer) from public;
