-- What POST /pickitchen/wallet/consume sends for a random account, as one message: the gate in a block of its own, the
-- settings and the spend. chr(58) is ":" (pgbench would read ":bench" as a variable); the API prefixes client keys the same way.
\set n random(1, 1000)
BEGIN \; SELECT internal.rate_limit_gate(ARRAY['write:ip:bench-' || CAST(:n AS text), 'write:user:' || md5('bench-user-' || :n)], ARRAY[1000000000, 1000000000], ARRAY[60, 60]) \; COMMIT \; BEGIN \; SELECT set_config('role', 'service_role', true), set_config('request.jwt.claims', json_build_object('role', 'service_role')::text, true) \; SELECT public.wallet_consume('pickitchen', md5('bench-user-' || :n)::uuid, 'points', 1, 'bench consume', 'client' || chr(58) || 'bench-consume-' || gen_random_uuid()) AS spent \; COMMIT;
