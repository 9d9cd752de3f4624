-- A pushed mutation is applied once even when its retries arrive together. sync_push_mutation looked the mutation's
-- stored outcome up and, finding none, applied it: two pushes of one mutation at the same moment (from two
-- installations, or a retry racing the original on another connection) both found none, and a client_wins or
-- last_write_wins edit was applied twice, at two versions, each push answering its own. Now the lookup first takes a
-- transaction lock on the user's mutation id: a second push of it waits for the first to commit and then finds its
-- outcome (replayed), or, if the first was rejected and rolled back, applies it itself. The lock is taken in the
-- mutation's savepoint, so a rejected mutation releases it at once.

create or replace function internal.sync_mutation_outcome(p_mutation_id uuid) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(format('sync-push:%s:%s', auth.uid(), p_mutation_id), 0));
  -- A statement of its own, so it reads what a push that held the lock before us committed.
  return (select m.result from internal.sync_mutations m where m.user_id = auth.uid() and m.mutation_id = p_mutation_id);
end
$$;
comment on function internal.sync_mutation_outcome(uuid) is
  'The stored outcome of one of the caller''s mutations (null: not pushed yet), once no other push of it is in flight: takes a transaction lock on the mutation id, so concurrent pushes of one mutation apply it once. Security definer: sync_mutations is server-only.';
revoke execute on function internal.sync_mutation_outcome(uuid) from public;
grant execute on function internal.sync_mutation_outcome(uuid) to authenticated;
