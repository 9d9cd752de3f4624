-- A store acknowledgement owed for an inbox event (Google Play: a purchase applied here must be acknowledged to Play
-- within 3 days, or Play refunds it). The acknowledgement is an HTTP call made after the event's transaction commits,
-- never inside it; the flag says it is still owed, so a redelivery of the same message (a duplicate for the inbox)
-- still makes it when the first delivery's call failed, and one claim of the flag makes it at most once at a time.
alter table internal.webhook_events add column acknowledgement_owed boolean not null default false;
comment on column internal.webhook_events.acknowledgement_owed is
  'The store still awaits our acknowledgement of this event''s purchase (Google Play); claimed by the delivery that makes it.';
