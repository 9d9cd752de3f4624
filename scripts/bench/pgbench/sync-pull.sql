-- What POST /coach/sync/pull sends: the gate in a block of its own, begin and the settings as one message; the page; commit.
\set n random(1, 1000)
BEGIN \; SELECT internal.rate_limit_gate(ARRAY['write:ip:bench-' || CAST(:n AS text), 'write:user:' || md5('bench-user-' || :n)], ARRAY[1000000000, 1000000000], ARRAY[60, 60]) \; COMMIT \; BEGIN \; SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true), set_config('request.jwt.claim.sub', md5('bench-user-' || :n)::uuid::text, true);
SELECT table_name, version::text AS version, deleted, row_data FROM public.sync_pull('coach', 0, NULL, 501);
COMMIT;
