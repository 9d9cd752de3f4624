-- Every store notification we receive, keyed by the provider's event id: a replay finds its row and changes
-- nothing. Rejected attempts (bad credentials or signature, unknown user) are kept too, without an event id,
-- so a later valid delivery of the same event is still processed.

create table internal.webhook_events (
  id bigint generated always as identity primary key,
  provider text not null check (provider in ('revenuecat', 'apple', 'google')),
  event_id text check (char_length(event_id) between 1 and 200),
  event_type text,
  status text not null check (status in ('received', 'processed', 'ignored', 'stale', 'rejected')),
  reason text,
  payload jsonb,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  constraint webhook_events_provider_event_key unique (provider, event_id)
);
comment on table internal.webhook_events is 'Inbox of store webhooks (RevenueCat, Apple, Google): one row per event id (replays are no-ops), plus rejected attempts. Server-only.';

create index webhook_events_received_at_idx on internal.webhook_events (provider, received_at desc);

revoke all on internal.webhook_events from public, anon, authenticated, service_role;
grant select, insert, update on internal.webhook_events to service_role;
