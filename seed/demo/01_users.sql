-- Demo users, one per app (seed/demo/ is loaded by `npm start` only): demo-<app>@houtai.local with the password
-- `npm start` puts in the houtai.demo_password setting and prints. Written as GoTrue writes an email sign-up that
-- is confirmed: the user (its profile and app profile come from the sign-up trigger) and its email identity.
-- Fixed ids (uuid v5 of the app id); a password changed since is put back, so the printed one always works.
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
select '00000000-0000-0000-0000-000000000000', d.id, 'authenticated', 'authenticated', d.email,
       extensions.crypt(current_setting('houtai.demo_password'), extensions.gen_salt('bf')), now(),
       jsonb_build_object('provider', 'email', 'providers', jsonb_build_array('email'), 'demo_app', d.app_id),
       jsonb_build_object('sub', d.id, 'email', d.email, 'email_verified', true, 'phone_verified', false,
                          'app_id', d.app_id, 'display_name', 'Demo ' || d.name),
       now(), now()
  from (select extensions.uuid_generate_v5('6f1d2c9a-4b7e-4e3a-8d5c-0a9b8c7d6e5f', a.id::text) as id, a.id as app_id,
               'demo-' || a.id::text || '@houtai.local' as email, a.name
          from public.apps a) d
on conflict (id) do update set encrypted_password = excluded.encrypted_password, updated_at = now()
 where extensions.crypt(current_setting('houtai.demo_password'), auth.users.encrypted_password) <> auth.users.encrypted_password;

insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
select u.id::text, u.id, jsonb_build_object('sub', u.id, 'email', u.email, 'email_verified', true, 'phone_verified', false),
       'email', now(), now(), now()
  from auth.users u
 where u.raw_app_meta_data ? 'demo_app'
on conflict (provider_id, provider) do nothing;
