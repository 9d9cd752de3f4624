-- Sign-ins Supabase Auth cannot do itself: a PicKitchen device id, a WeChat mini-program openid/unionid.
-- Each maps to one Supabase Auth user that the API signs in through Auth's own API (see functions/api).

create table internal.external_accounts (
  provider text not null check (provider in ('device', 'wechat')),
  app_id public.app_id not null,
  -- device: hex SHA-256 of the device id; wechat: the openid (per mini program).
  external_id text not null check (char_length(external_id) between 1 and 128),
  -- WeChat unionid: the same person across the studio's mini programs.
  union_id text check (char_length(union_id) between 1 and 128),
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_sign_in_at timestamptz not null default now(),
  primary key (provider, app_id, external_id)
);
comment on table internal.external_accounts is 'Device-id and WeChat identities and the Auth user each signs in as. Server-only.';

create index external_accounts_user_id_idx on internal.external_accounts (user_id);
create index external_accounts_union_id_idx on internal.external_accounts (union_id) where union_id is not null;

revoke all on internal.external_accounts from public, anon, authenticated, service_role;
grant select, insert, update, delete on internal.external_accounts to service_role;
