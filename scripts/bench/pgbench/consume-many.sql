-- What POST /pickitchen/wallet/consume sends for a random account, as one message (an implicit transaction): the
-- settings and the spend. chr(58) is ":" (pgbench would read ":bench" as a variable); the API prefixes client keys the same way.
\set n random(1, 1000)
SELECT set_config('role', 'service_role', true), set_config('request.jwt.claims', json_build_object('role', 'service_role')::text, true) \; SELECT public.wallet_consume('pickitchen', md5('bench-user-' || :n)::uuid, 'points', 1, 'bench consume', 'client' || chr(58) || 'bench-consume-' || gen_random_uuid()) AS spent;
