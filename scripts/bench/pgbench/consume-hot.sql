-- consume-many.sql on one account (bench user 1): every spend waits for the account's row lock.
\startpipeline
BEGIN;
SELECT set_config('role', 'service_role', true),
       set_config('request.jwt.claims', json_build_object('role', 'service_role')::text, true);
SELECT public.wallet_consume('pickitchen', md5('bench-user-1')::uuid, 'points', 1, 'bench consume',
                             'client' || chr(58) || 'bench-consume-' || gen_random_uuid()) AS spent;
COMMIT;
\endpipeline
