-- A worker run can be limited to some jobs: internal.claim_jobs takes an optional list of job ids and then
-- claims only those of them that are due (or whose lease ran out). POST /worker/run passes it as `job_ids`, so an
-- operator can run one job now (say, after internal.retry_job) without running everything else that is due,
-- and tests can drive the jobs their requests enqueued through the deployed worker while other tests use the same
-- queues. Without the list a claim is what it was.

drop function internal.claim_jobs(text, text[], integer, integer);

create function internal.claim_jobs(p_worker text, p_queues text[], p_limit integer, p_lease_seconds integer, p_job_ids bigint[] default null)
returns setof internal.jobs
language sql
security definer
set search_path = ''
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
comment on function internal.claim_jobs(text, text[], integer, integer, bigint[]) is
  'Leases up to p_limit due jobs (or jobs whose lease expired) to a worker, only those in p_job_ids when it is given; concurrent claimers never get the same job (SKIP LOCKED). Security definer: the queue has no write grants.';
revoke execute on function internal.claim_jobs(text, text[], integer, integer, bigint[]) from public;
grant execute on function internal.claim_jobs(text, text[], integer, integer, bigint[]) to service_role;
