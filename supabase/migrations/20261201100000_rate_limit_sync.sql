-- Rate limiting decided in the functions, accounted in Postgres. Each functions instance keeps the buckets it
-- has seen and decides a request against them in memory; every few tens of milliseconds it sends what it
-- granted since (one statement for all its buckets) and gets each bucket's level back, so spends on other
-- instances reach it within one sync. A request used to take its tokens here, in a statement of its own: a fifth
-- of the database's time on a read.

-- Spends what an instance granted and answers each bucket's level after it. A new bucket starts full. A level may
-- go below zero (instances granted more than was left between two syncs): that debt is paid back by the refill
-- before the bucket grants again, down to at most one capacity of it.
create or replace function internal.rate_limit_sync(p_keys text[], p_capacities integer[], p_window_seconds integer[], p_spent integer[])
returns table (bucket text, level double precision)
language plpgsql
set search_path = ''
as $$
begin
  if cardinality(p_keys) is distinct from cardinality(p_capacities)
     or cardinality(p_keys) is distinct from cardinality(p_window_seconds)
     or cardinality(p_keys) is distinct from cardinality(p_spent) then
    raise exception using errcode = '22023', message = 'rate_limit_sync: arrays differ in length';
  end if;
  if exists (select from unnest(p_spent) s where s < 0 or s is null) then
    raise exception using errcode = '22023', message = 'rate_limit_sync: a spend is negative';
  end if;

  insert into internal.rate_limit_buckets (key, tokens, updated_at, capacity, window_seconds)
  select distinct on (w.key) w.key, w.capacity, now(), w.capacity, w.window_seconds
    from unnest(p_keys, p_capacities, p_window_seconds) as w (key, capacity, window_seconds)
  on conflict (key) do nothing;

  -- The row locks serialise instances syncing the same bucket.
  return query
  update internal.rate_limit_buckets as b set
    tokens = greatest(-w.capacity,
                      least(w.capacity, b.tokens + greatest(0, extract(epoch from now() - b.updated_at)) * w.capacity / w.window_seconds)
                      - w.spent),
    updated_at = now(), capacity = w.capacity, window_seconds = w.window_seconds
  from (select u.key, max(u.capacity) as capacity, max(u.window_seconds) as window_seconds, sum(u.spent)::integer as spent
          from unnest(p_keys, p_capacities, p_window_seconds, p_spent) as u (key, capacity, window_seconds, spent)
         group by u.key) as w
  where b.key = w.key
  returning b.key, b.tokens;
end
$$;
comment on function internal.rate_limit_sync(text[], integer[], integer[], integer[]) is
  'Spends the tokens a functions instance granted since its last sync and returns every named bucket''s level (refilled to now, after the spend; below zero is debt).';

revoke execute on function internal.rate_limit_sync(text[], integer[], integer[], integer[]) from public;
grant execute on function internal.rate_limit_sync(text[], integer[], integer[], integer[]) to service_role;

-- The gate and its guard led every request's message; nothing sends them now. The gate as migration 20261130090000
-- created it takes a nonce; a database migrated while that file briefly said otherwise has a gate without one and no
-- guard, so every form is dropped if present.
drop function if exists internal.rate_limit_gate(text, text[], integer[], integer[]);
drop function if exists internal.rate_limit_guard(text);
drop function if exists internal.rate_limit_gate(text[], integer[], integer[]);
