-- Metering of every model call the AI gateway makes: who (app, user), for what (use case), with which model,
-- tokens, latency, cost and outcome. Daily per-user quotas are counted from it.

create table internal.ai_usage (
  id bigint generated always as identity primary key,
  app_id public.app_id not null,
  user_id uuid,
  use_case text not null check (char_length(use_case) between 1 and 64),
  -- The prompt template version that produced the request, so answers can be compared across versions.
  prompt_version text,
  model text not null,
  provider text not null,
  tokens_in integer not null default 0,
  tokens_out integer not null default 0,
  latency_ms integer not null,
  cost_micros bigint not null default 0,
  outcome text not null check (outcome in ('success', 'error', 'timeout', 'rate_limited', 'malformed', 'fallback')),
  streamed boolean not null default false,
  error text,
  created_at timestamptz not null default now()
);
comment on table internal.ai_usage is 'One row per model call (and per template fallback) of the AI gateway. Server-only; quotas count successful calls per user and day.';

create index ai_usage_quota_idx on internal.ai_usage (user_id, app_id, created_at desc);
create index ai_usage_created_at_idx on internal.ai_usage (created_at);

revoke all on internal.ai_usage from public, anon, authenticated, service_role;
grant select, insert on internal.ai_usage to service_role;
