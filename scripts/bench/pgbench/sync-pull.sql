-- What POST /coach/sync/pull sends: begin and the settings as one message; the page; commit.
\set n random(1, 1000)
BEGIN \; SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true), set_config('request.jwt.claim.sub', md5('bench-user-' || :n)::uuid::text, true);
SELECT table_name, version::text AS version, deleted, row_data FROM public.sync_pull('coach', 0, NULL, 501);
COMMIT;
