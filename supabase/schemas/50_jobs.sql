-- Jobs: the queue the worker claims from, its heartbeats and failures log, and the headers of the Vault-based worker
-- kick.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

-- internal.jobs -----------------------------------------------------------------------------------------------------

create table internal.jobs (
    id bigint not null,
    queue text not null,
    payload jsonb default '{}'::jsonb not null,
    job_key text,
    priority integer default 0 not null,
    run_at timestamp with time zone default now() not null,
    attempts integer default 0 not null,
    max_attempts integer default 5 not null,
    status text default 'queued'::text not null,
    locked_until timestamp with time zone,
    locked_by text,
    last_error text,
    result jsonb,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    finished_at timestamp with time zone,
    constraint jobs_job_key_check check (((char_length(job_key) >= 1) and (char_length(job_key) <= 200))),
    constraint jobs_max_attempts_check check (((max_attempts >= 1) and (max_attempts <= 100))),
    constraint jobs_queue_check check ((queue ~ '^[a-z0-9_.-]{1,64}$'::text)),
    constraint jobs_status_check check ((status = any (array['queued'::text, 'running'::text, 'succeeded'::text, 'failed'::text, 'dead'::text])))
);

comment on table internal.jobs is 'Work queue: queued → running (leased) → succeeded, or failed (retried after a backoff) → dead after max_attempts. Server-only.';

alter table internal.jobs alter column id add generated always as identity (
    SEQUENCE NAME internal.jobs_id_seq
    start with 1
    increment by 1
    no minvalue
    no maxvalue
    cache 1
);

alter table only internal.jobs
    add constraint jobs_pkey primary key (id);

create index jobs_dead_idx on internal.jobs using btree (queue) where (status = 'dead'::text);

create index jobs_expired_lease_idx on internal.jobs using btree (locked_until) where (status = 'running'::text);

create index jobs_finished_idx on internal.jobs using btree (finished_at) where (status = 'succeeded'::text);

create unique index jobs_queue_job_key on internal.jobs using btree (queue, job_key) where (job_key is not null);

create index jobs_ready_idx on internal.jobs using btree (queue, priority desc, run_at, id) where (status = any (array['queued'::text, 'failed'::text]));

create trigger jobs_set_updated_at before update on internal.jobs for each row execute function internal.set_updated_at();

grant select on table internal.jobs to service_role;

create function internal.claim_jobs(p_worker text, p_queues text[], p_limit integer, p_lease_seconds integer, p_job_ids bigint[] default null::bigint[]) returns setof internal.jobs
    language sql security definer
    set search_path to ''
    as $$
  with ready as (
    select j.id from internal.jobs j
     where (p_queues is null or j.queue = any (p_queues))
       and (p_job_ids is null or j.id = any (p_job_ids))
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

comment on function internal.claim_jobs(p_worker text, p_queues text[], p_limit integer, p_lease_seconds integer, p_job_ids bigint[]) is 'Leases up to p_limit due jobs (or jobs whose lease expired) to a worker, only those in p_job_ids when it is given; concurrent claimers never get the same job (SKIP LOCKED). Security definer: the queue has no write grants.';

revoke all on function internal.claim_jobs(p_worker text, p_queues text[], p_limit integer, p_lease_seconds integer, p_job_ids bigint[]) from public;
grant all on function internal.claim_jobs(p_worker text, p_queues text[], p_limit integer, p_lease_seconds integer, p_job_ids bigint[]) to service_role;

create function internal.complete_job(p_id bigint, p_worker text, p_result jsonb default null::jsonb) returns boolean
    language plpgsql security definer
    set search_path to ''
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

comment on function internal.complete_job(p_id bigint, p_worker text, p_result jsonb) is 'Marks a job this worker still holds as succeeded; false when its lease was lost.';

revoke all on function internal.complete_job(p_id bigint, p_worker text, p_result jsonb) from public;
grant all on function internal.complete_job(p_id bigint, p_worker text, p_result jsonb) to service_role;

create function internal.enqueue_job(p_queue text, p_payload jsonb default '{}'::jsonb, p_job_key text default null::text, p_run_at timestamp with time zone default now(), p_priority integer default 0, p_max_attempts integer default 5) returns bigint
    language plpgsql security definer
    set search_path to ''
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

comment on function internal.enqueue_job(p_queue text, p_payload jsonb, p_job_key text, p_run_at timestamp with time zone, p_priority integer, p_max_attempts integer) is 'Adds a job (or returns the existing one with the same queue and job_key). Security definer: the queue has no write grants.';

revoke all on function internal.enqueue_job(p_queue text, p_payload jsonb, p_job_key text, p_run_at timestamp with time zone, p_priority integer, p_max_attempts integer) from public;
grant all on function internal.enqueue_job(p_queue text, p_payload jsonb, p_job_key text, p_run_at timestamp with time zone, p_priority integer, p_max_attempts integer) to service_role;

create function internal.fail_job(p_id bigint, p_worker text, p_error text) returns text
    language plpgsql security definer
    set search_path to ''
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

comment on function internal.fail_job(p_id bigint, p_worker text, p_error text) is 'Records a failed attempt: retried after a jittered exponential backoff, or dead once max_attempts is reached.';

revoke all on function internal.fail_job(p_id bigint, p_worker text, p_error text) from public;
grant all on function internal.fail_job(p_id bigint, p_worker text, p_error text) to service_role;

create function internal.purge_finished_jobs(p_older_than interval default '7 days'::interval) returns bigint
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_count bigint;
begin
  delete from internal.jobs where status = 'succeeded' and finished_at < now() - p_older_than;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function internal.purge_finished_jobs(p_older_than interval) is 'Removes succeeded jobs finished before the horizon (default a week); returns how many.';

revoke all on function internal.purge_finished_jobs(p_older_than interval) from public;

create function internal.queue_stats() returns jsonb
    language plpgsql stable security definer
    set search_path to ''
    as $$
begin
  return (
    with pending as (
      select j.queue, count(*) as depth, floor(extract(epoch from now() - min(j.created_at)))::bigint as oldest
        from internal.jobs j where j.status in ('queued', 'failed') group by j.queue
    ), dead as (
      select j.queue, count(*) as dead from internal.jobs j where j.status = 'dead' group by j.queue
    )
    select jsonb_build_object(
      'depth', coalesce((select sum(p.depth) from pending p), 0),
      'queues', coalesce((select jsonb_object_agg(q.queue, jsonb_build_object('depth', coalesce(p.depth, 0), 'oldest_age_seconds', p.oldest, 'dead', coalesce(d.dead, 0)))
                            from (select p.queue from pending p union select d.queue from dead d) q
                            left join pending p on p.queue = q.queue
                            left join dead d on d.queue = q.queue), '{}'::jsonb),
      'dead', coalesce((select sum(d.dead) from dead d), 0),
      'last_heartbeat', (select max(h.seen_at) from internal.worker_heartbeats h)));
end
$$;

comment on function internal.queue_stats() is 'Queue depth per queue, oldest waiting job''s age, dead jobs, last worker heartbeat: for /health.';

revoke all on function internal.queue_stats() from public;
grant all on function internal.queue_stats() to service_role;

create function internal.retry_job(p_id bigint) returns boolean
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  update internal.jobs set status = 'queued', attempts = 0, run_at = now(), last_error = null, finished_at = null
   where id = p_id and status in ('dead', 'failed');
  return found;
end
$$;

comment on function internal.retry_job(p_id bigint) is 'Re-queues a dead (or waiting failed) job from scratch, for admins after a fix.';

revoke all on function internal.retry_job(p_id bigint) from public;
grant all on function internal.retry_job(p_id bigint) to service_role;

create function internal.snooze_job(p_id bigint, p_worker text, p_run_at timestamp with time zone) returns boolean
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  -- Waiting for someone else (a provider still rendering) is not a failed attempt: the claim's count is undone.
  update internal.jobs set status = 'queued', run_at = p_run_at, locked_until = null, locked_by = null, attempts = greatest(attempts - 1, 0)
   where id = p_id and status = 'running' and locked_by = p_worker;
  return found;
end
$$;

comment on function internal.snooze_job(p_id bigint, p_worker text, p_run_at timestamp with time zone) is 'Puts a job this worker holds back in the queue until p_run_at without counting an attempt (polling pipelines).';

revoke all on function internal.snooze_job(p_id bigint, p_worker text, p_run_at timestamp with time zone) from public;
grant all on function internal.snooze_job(p_id bigint, p_worker text, p_run_at timestamp with time zone) to service_role;

create function internal.worker_heartbeat(p_worker text) returns void
    language sql security definer
    set search_path to ''
    as $$
  insert into internal.worker_heartbeats (worker, seen_at) values (p_worker, now())
  on conflict (worker) do update set seen_at = now()
$$;

comment on function internal.worker_heartbeat(p_worker text) is 'A worker''s sign of life.';

revoke all on function internal.worker_heartbeat(p_worker text) from public;
grant all on function internal.worker_heartbeat(p_worker text) to service_role;

create function internal.worker_kick_headers(p_key text) returns jsonb
    language sql immutable
    set search_path to ''
    as $$
  select jsonb_build_object('content-type', 'application/json', 'apikey', p_key)
         || case when p_key like 'sb\_%' then '{}'::jsonb
                 else jsonb_build_object('authorization', 'Bearer ' || p_key) end
$$;

comment on function internal.worker_kick_headers(p_key text) is 'The headers pg_net sends the worker with the key from Vault: an sb_secret_ API key on apikey only; a legacy service_role JWT on apikey and as the bearer.';

revoke all on function internal.worker_kick_headers(p_key text) from public;

-- internal.job_failures ---------------------------------------------------------------------------------------------

create table internal.job_failures (
    id bigint not null,
    job text not null,
    subject text not null,
    period text,
    error text not null,
    failed_at timestamp with time zone default now() not null
);

comment on table internal.job_failures is 'Per-item failures of batch jobs (e.g. one user''s weekly grant), for inspection; the job retries them on its next run.';

alter table internal.job_failures alter column id add generated always as identity (
    SEQUENCE NAME internal.job_failures_id_seq
    start with 1
    increment by 1
    no minvalue
    no maxvalue
    cache 1
);

alter table only internal.job_failures
    add constraint job_failures_pkey primary key (id);

grant select on table internal.job_failures to service_role;

-- internal.worker_heartbeats ----------------------------------------------------------------------------------------

create table internal.worker_heartbeats (
    worker text not null,
    seen_at timestamp with time zone default now() not null,
    jobs_done bigint default 0 not null
);

comment on table internal.worker_heartbeats is 'Last sign of life of each worker and how many jobs it finished, for /health.';

alter table only internal.worker_heartbeats
    add constraint worker_heartbeats_pkey primary key (worker);

grant select on table internal.worker_heartbeats to service_role;
