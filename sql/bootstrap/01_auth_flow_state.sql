-- Local platform bootstrap: GoTrue's `auth.flow_state` (and its enum `auth.code_challenge_method`), where a PKCE flow
-- keeps its code challenge between the request that starts it (an email sign-up, magic link, recovery, email change,
-- or an OAuth /authorize) and POST /token?grant_type=pkce that ends it. Columns, types and indexes as Supabase Auth's
-- migrations leave them (20230322519590 through 20260115000000), so the emulator writes what GoTrue writes.
do $$ begin
  create type auth.code_challenge_method as enum ('s256', 'plain');
exception
  when duplicate_object then null;
end $$;

create table if not exists auth.flow_state (
  id uuid primary key,
  user_id uuid null,
  auth_code text null,
  code_challenge_method auth.code_challenge_method null,
  code_challenge text null,
  provider_type text not null,
  provider_access_token text null,
  provider_refresh_token text null,
  created_at timestamptz null,
  updated_at timestamptz null,
  authentication_method text not null,
  auth_code_issued_at timestamptz null,
  invite_token text null,
  referrer text null,
  oauth_client_state_id uuid null,
  linking_target_id uuid null,
  email_optional boolean not null default false
);
create index if not exists idx_auth_code on auth.flow_state (auth_code);
create index if not exists idx_user_id_auth_method on auth.flow_state (user_id, authentication_method);
create index if not exists flow_state_created_at_idx on auth.flow_state (created_at desc);
comment on table auth.flow_state is 'Stores metadata for all OAuth/SSO login flows';

alter type auth.code_challenge_method owner to supabase_auth_admin;
alter table auth.flow_state owner to supabase_auth_admin;
alter table auth.flow_state enable row level security;
grant all on auth.flow_state to postgres, service_role;
