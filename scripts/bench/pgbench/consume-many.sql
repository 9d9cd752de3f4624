-- What POST /pickitchen/wallet/consume sends for a random account (db.asService with a list, on the bench stack's
-- direct connection, DB_PREPARE=true): in one flight the transaction's opening (begin and the service role's
-- settings), the spend, a prepared statement with its values bound as parameters, and the commit. Run with
-- -M prepared: the pipeline sends the opening as prepared statements too, where the API sends it as one
-- simple-protocol message ahead of the rest. chr(58) is ":" (pgbench would read ":bench" as a variable); the API
-- prefixes client keys the same way.
\set n random(1, 1000)
\startpipeline
BEGIN;
SELECT set_config('role', 'service_role', true),
       set_config('request.jwt.claims', json_build_object('role', 'service_role')::text, true);
SELECT public.wallet_consume('pickitchen', md5('bench-user-' || :n)::uuid, 'points', 1, 'bench consume',
                             'client' || chr(58) || 'bench-consume-' || gen_random_uuid()) AS spent;
COMMIT;
\endpipeline
