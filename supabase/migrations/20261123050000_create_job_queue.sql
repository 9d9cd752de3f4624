-- The job queue for slow and failing work (AI reviews, generation pipelines, pushes): jobs are claimed with
-- FOR UPDATE SKIP LOCKED under a lease; a worker that dies loses its lease and the job is claimed again;
-- failures back off exponentially with jitter until max_attempts, then the job is dead (kept for inspection
-- and retry). Modelled on graphile-worker and pg-boss. Handlers must be safe to run twice.

create table internal.jobs (
  id bigint generated always as identity primary key,
  queue text not null check (queue ~ '^[a-z0-9_.-]{1,64}$'),
  payload jsonb not null default '{}'::jsonb,
  -- Enqueueing the same logical job twice (same queue and key) yields one job.
  job_key text check (char_length(job_key) between 1 and 200),
  priority integer not null default 0,
  run_at timestamptz not null default now(),
  attempts integer not null default 0,
  max_attempts integer not null default 5 check (max_attempts between 1 and 100),
  status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed', 'dead')),
  locked_until timestamptz,
  locked_by text,
  last_error text,
  result jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
comment on table internal.jobs is 'Work queue: queued → running (leased) → succeeded, or failed (retried after a backoff) → dead after max_attempts. Server-only.';

create unique index jobs_queue_job_key on internal.jobs (queue, job_key) where job_key is not null;
-- What a claim scans: jobs due to run, and running jobs whose lease ran out.
create index jobs_ready_idx on internal.jobs (queue, priority desc, run_at, id) where status in ('queued', 'failed');
create index jobs_expired_lease_idx on internal.jobs (locked_until) where status = 'running';
create index jobs_dead_idx on internal.jobs (queue) where status = 'dead';

create trigger jobs_set_updated_at before update on internal.jobs
  for each row execute function internal.set_updated_at();

create table internal.worker_heartbeats (
  worker text primary key,
  seen_at timestamptz not null default now(),
  jobs_done bigint not null default 0
);
comment on table internal.worker_heartbeats is 'Last sign of life of each worker and how many jobs it finished, for /health.';

revoke all on internal.jobs, internal.worker_heartbeats from public, anon, authenticated, service_role;
grant select on internal.jobs, internal.worker_heartbeats to service_role;

create or replace function internal.enqueue_job(
  p_queue text,
  p_payload jsonb default '{}'::jsonb,
  p_job_key text default null,
  p_run_at timestamptz default now(),
  p_priority integer default 0,
  p_max_attempts integer default 5
) returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  insert into internal.jobs (queue, payload, job_key, run_at, priority, max_attempts)
  values (p_queue, coalesce(p_payload, '{}'::jsonb), p_job_key, coalesce(p_run_at, now()), p_priority, p_max_attempts)
  on conflict (queue, job_key) where job_key is not null do nothing
  returning id into v_id;
  if v_id is null then
    select id into v_id from internal.jobs where queue = p_queue and job_key = p_job_key;
  end if;
  return v_id;
end
$$;
comment on function internal.enqueue_job(text, jsonb, text, timestamptz, integer, integer) is
  'Adds a job (or returns the existing one with the same queue and job_key). Security definer: the queue has no write grants.';
revoke execute on function internal.enqueue_job(text, jsonb, text, timestamptz, integer, integer) from public;
grant execute on function internal.enqueue_job(text, jsonb, text, timestamptz, integer, integer) to service_role;

create or replace function internal.claim_jobs(p_worker text, p_queues text[], p_limit integer, p_lease_seconds integer)
returns setof internal.jobs
language sql
security definer
set search_path = ''
as $$
  with ready as (
    select j.id from internal.jobs j
     where (p_queues is null or j.queue = any (p_queues))
       and ((j.status in ('queued', 'failed') and j.run_at <= now())
            -- its worker died: the lease ran out
            or (j.status = 'running' and j.locked_until < now()))
     order by j.priority desc, j.run_at, j.id
     limit p_limit
     for update skip locked
  )
  update internal.jobs j
     set status = 'running', attempts = j.attempts + 1, locked_by = p_worker,
         locked_until = now() + make_interval(secs => p_lease_seconds)
    from ready
   where j.id = ready.id
  returning j.*
$$;
comment on function internal.claim_jobs(text, text[], integer, integer) is
  'Leases up to p_limit due jobs (or jobs whose lease expired) to a worker; concurrent claimers never get the same job (SKIP LOCKED).';
revoke execute on function internal.claim_jobs(text, text[], integer, integer) from public;
grant execute on function internal.claim_jobs(text, text[], integer, integer) to service_role;

create or replace function internal.complete_job(p_id bigint, p_worker text, p_result jsonb default null) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  update internal.jobs set status = 'succeeded', result = p_result, finished_at = now(), locked_until = null, last_error = null
   where id = p_id and status = 'running' and locked_by = p_worker;
  if not found then
    -- The lease was lost (another worker has the job now): this worker's outcome does not count.
    return false;
  end if;
  insert into internal.worker_heartbeats (worker, seen_at, jobs_done) values (p_worker, now(), 1)
  on conflict (worker) do update set seen_at = now(), jobs_done = internal.worker_heartbeats.jobs_done + 1;
  return true;
end
$$;
comment on function internal.complete_job(bigint, text, jsonb) is 'Marks a job this worker still holds as succeeded; false when its lease was lost.';
revoke execute on function internal.complete_job(bigint, text, jsonb) from public;
grant execute on function internal.complete_job(bigint, text, jsonb) to service_role;

create or replace function internal.fail_job(p_id bigint, p_worker text, p_error text) returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job internal.jobs;
begin
  select * into v_job from internal.jobs where id = p_id and status = 'running' and locked_by = p_worker for update;
  if not found then
    return 'lost';
  end if;
  if v_job.attempts >= v_job.max_attempts then
    update internal.jobs set status = 'dead', last_error = left(p_error, 2000), finished_at = now(), locked_until = null where id = p_id;
    return 'dead';
  end if;
  -- Capped exponential backoff with jitter: about 2^attempts seconds (±50 %), at most an hour.
  update internal.jobs
     set status = 'failed', last_error = left(p_error, 2000), locked_until = null,
         run_at = now() + make_interval(secs => least(3600, power(2, v_job.attempts)) * (0.5 + random()))
   where id = p_id;
  return 'failed';
end
$$;
comment on function internal.fail_job(bigint, text, text) is 'Records a failed attempt: retried after a jittered exponential backoff, or dead once max_attempts is reached.';
revoke execute on function internal.fail_job(bigint, text, text) from public;
grant execute on function internal.fail_job(bigint, text, text) to service_role;

create or replace function internal.retry_job(p_id bigint) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  update internal.jobs set status = 'queued', attempts = 0, run_at = now(), last_error = null, finished_at = null
   where id = p_id and status in ('dead', 'failed');
  return found;
end
$$;
comment on function internal.retry_job(bigint) is 'Re-queues a dead (or waiting failed) job from scratch, for admins after a fix.';
revoke execute on function internal.retry_job(bigint) from public;
grant execute on function internal.retry_job(bigint) to service_role;

create or replace function internal.worker_heartbeat(p_worker text) returns void
language sql
security definer
set search_path = ''
as $$
  insert into internal.worker_heartbeats (worker, seen_at) values (p_worker, now())
  on conflict (worker) do update set seen_at = now()
$$;
comment on function internal.worker_heartbeat(text) is 'A worker''s sign of life.';
revoke execute on function internal.worker_heartbeat(text) from public;
grant execute on function internal.worker_heartbeat(text) to service_role;

create or replace function internal.queue_stats() returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'depth', (select count(*) from internal.jobs where status in ('queued', 'failed')),
    'queues', coalesce((select jsonb_object_agg(q.queue, jsonb_build_object('depth', q.depth, 'oldest_age_seconds', q.oldest, 'dead', q.dead))
                          from (select queue,
                                       count(*) filter (where status in ('queued', 'failed')) as depth,
                                       floor(extract(epoch from now() - min(created_at) filter (where status in ('queued', 'failed'))))::bigint as oldest,
                                       count(*) filter (where status = 'dead') as dead
                                  from internal.jobs group by queue) q), '{}'::jsonb),
    'dead', (select count(*) from internal.jobs where status = 'dead'),
    'last_heartbeat', (select max(seen_at) from internal.worker_heartbeats)
  )
$$;
comment on function internal.queue_stats() is 'Queue depth per queue, oldest waiting job''s age, dead jobs, last worker heartbeat: for /health.';
revoke execute on function internal.queue_stats() from public;
grant execute on function internal.queue_stats() to service_role;

-- /health now reports the real queue.
create or replace function internal.health_snapshot() returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_migration text;
begin
  select max(m.version) into v_migration from supabase_migrations.schema_migrations m;
  return pg_catalog.jsonb_build_object('migration', v_migration, 'queue_depth',
    (select count(*) from internal.jobs where status in ('queued', 'failed')), 'queue', internal.queue_stats());
end
$$;
