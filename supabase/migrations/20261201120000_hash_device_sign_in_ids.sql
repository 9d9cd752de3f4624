-- A device sign-in id is the account's only credential, so the database no longer holds it in any readable form.
--
-- Until now internal.external_accounts kept the unkeyed SHA-256 of each device id (a short or patterned id is found
-- again from it by brute force), and the sign-in also registered the installation under the device id itself, so
-- public.devices held the credential in plain text and GET /{app}/devices returned it. From now on the functions
-- store only HMAC-SHA-256(key derived from SIGN_IN_SECRET, device id), and the installation is registered under a
-- separate, public installation_id that the app sends.
--
-- Nothing is deployed, but local databases hold rows of the old kind:
-- 1. Installations registered under a device sign-in id (found by comparing their SHA-256 with the account's device
--    identity) are deleted: the credential must not stay readable. The app registers its installation again.
-- 2. Device identities are deleted: an unkeyed hash cannot be re-keyed here, the key is not in the database (and the
--    ids behind them, often "dev-<uuid>", are refused by the new format anyway). Their accounts stay; a device signing
--    in again gets a new account. WeChat identities are untouched.
-- 3. A device identity must from now on have the shape of the keyed hash: 64 lowercase hex characters.

delete from public.devices d
 using internal.external_accounts e
 where e.provider = 'device'
   and e.app_id = d.app_id
   and e.user_id = d.user_id
   and e.external_id = encode(sha256(convert_to(d.installation_id, 'UTF8')), 'hex');

delete from internal.external_accounts where provider = 'device';

alter table internal.external_accounts
  add constraint external_accounts_device_id_hashed check (provider <> 'device' or external_id ~ '^[0-9a-f]{64}$');

comment on column internal.external_accounts.external_id is
  'device: hex HMAC-SHA-256 of the device id under a key derived from SIGN_IN_SECRET (the id itself is stored nowhere); wechat: the openid of the mini program.';
comment on column public.devices.installation_id is
  'The app''s public id for this installation (push registration, sync status). Never the device sign-in id, which is a secret.';
