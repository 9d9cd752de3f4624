-- What POST /coach/sync/pull sends (db.asUser, interactive, on the bench stack's direct connection, DB_PREPARE=true):
-- in one round trip the transaction's opening (begin and the caller's settings) and the page, a prepared statement
-- with its values bound as parameters; then commit in a second. Run with -M prepared: the pipeline sends the opening as
-- prepared statements too, where the API sends it as one simple-protocol message ahead of the page.
\set n random(1, 1000)
\set cursor 0
\set limit 501
\startpipeline
BEGIN;
SELECT set_config('role', 'authenticated', true),
       set_config('request.jwt.claims',
                  json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true),
       set_config('request.jwt.claim.sub', md5('bench-user-' || :n)::uuid::text, true);
SELECT table_name, version::text AS version, deleted, row_data
  FROM public.sync_pull('coach', :cursor::bigint, NULL, :limit);
\endpipeline
COMMIT;
