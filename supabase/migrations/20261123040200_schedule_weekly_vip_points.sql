-- PicKitchen weekly VIP points (seed §2.3): every Monday 00:00 UTC, each user with a weekly subscription in
-- force gets its product's grant_amount (2000) for the ISO week, at most once per week (ledger period).
-- The job runs hourly on Mondays: the first run grants, later runs retry whoever failed; re-running a week,
-- by hand or by schedule, grants nobody twice.

-- As on Supabase: pg_cron's objects live in schema cron; the extension itself is registered in pg_catalog.
create extension if not exists pg_cron with schema pg_catalog;

create table internal.job_failures (
  id bigint generated always as identity primary key,
  job text not null,
  subject text not null,
  period text,
  error text not null,
  failed_at timestamptz not null default now()
);
comment on table internal.job_failures is 'Per-item failures of batch jobs (e.g. one user''s weekly grant), for inspection; the job retries them on its next run.';
revoke all on internal.job_failures from public, anon, authenticated;
grant select on internal.job_failures to service_role;

create or replace function internal.grant_weekly_vip_points_batch(
  p_week text default null,
  p_batch integer default 500,
  p_run_started timestamptz default now()
) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_week text := coalesce(p_week, to_char(now() at time zone 'UTC', 'IYYY-"W"IW'));
  v_sub record;
  v_done integer := 0;
begin
  if v_week !~ '^\d{4}-W\d{2}$' then
    raise exception using errcode = '22023', message = format('not an ISO week: %s', v_week);
  end if;
  for v_sub in
    select s.id, s.user_id, s.app_id, p.currency, p.grant_amount, p.title
      from public.subscriptions s
      join public.products p on p.id = s.product_id
     where s.app_id = 'pickitchen' and s.plan = 'weekly' and p.grant_amount > 0
       and s.status in ('active', 'cancelled', 'billing_issue')
       and s.current_period_end > now()
       and not exists (select 1 from public.wallet_entries e
                        where e.user_id = s.user_id and e.app_id = s.app_id and e.ref_type = 'vip_weekly_grant' and e.period = v_week)
       -- Whoever failed in this run waits for the next run.
       and not exists (select 1 from internal.job_failures f
                        where f.job = 'grant_weekly_vip_points' and f.subject = s.user_id::text and f.period = v_week and f.failed_at >= p_run_started)
     order by s.id
     limit p_batch
     for update of s skip locked
  loop
    begin
      perform public.wallet_post(v_sub.app_id, v_sub.user_id, v_sub.currency, v_sub.grant_amount, 'reward',
                                 format('%s: points of week %s', v_sub.title, v_week), format('vip_weekly_grant:%s', v_week),
                                 'vip_weekly_grant', v_sub.id::text, v_week);
    exception when others then
      insert into internal.job_failures (job, subject, period, error) values ('grant_weekly_vip_points', v_sub.user_id::text, v_week, sqlerrm);
    end;
    v_done := v_done + 1;
  end loop;
  return v_done;
end
$$;
comment on function internal.grant_weekly_vip_points_batch(text, integer, timestamptz) is
  'Grants one batch of PicKitchen weekly VIP points for an ISO week (default: the current one); returns how many subscribers it handled, 0 when the week is done. Idempotent per user and week through the ledger''s period key; failures go to internal.job_failures and are retried by the next run.';
revoke execute on function internal.grant_weekly_vip_points_batch(text, integer, timestamptz) from public;

-- The scheduled command commits after each batch (a DO block at top level may; a function may not), so locks
-- stay short and progress survives an interruption. Run it by hand to re-run the current week safely.
select cron.schedule('pickitchen-weekly-vip-points', '0 * * * 1', $cmd$do $job$
declare
  started timestamptz := clock_timestamp();
begin
  loop
    exit when internal.grant_weekly_vip_points_batch(null, 500, started) = 0;
    commit;
  end loop;
end
$job$$cmd$);
