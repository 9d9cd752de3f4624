// auth.one_time_tokens as GoTrue keeps it beside the token columns of auth.users: one row per user and kind, replaced
// when a new code is sent and cleared when one is used.
import type postgres from 'postgres';

type Sql = postgres.Sql | postgres.TransactionSql;

export type OneTimeTokenType =
  | 'confirmation_token'
  | 'reauthentication_token'
  | 'recovery_token'
  | 'email_change_token_new'
  | 'email_change_token_current'
  | 'phone_change_token';

/** `relatesTo` is the address or number the code was sent to. */
export async function replaceOneTimeToken(
  sql: Sql,
  userId: string,
  type: OneTimeTokenType,
  hash: string,
  relatesTo: string,
) {
  await sql`delete from auth.one_time_tokens where user_id = ${userId} and token_type = ${type}`;
  await sql`insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to)
            values (${crypto.randomUUID()}, ${userId}, ${type}, ${hash}, ${relatesTo})`;
}

/** Every kind when none is named. */
export async function clearOneTimeTokens(sql: Sql, userId: string, types?: OneTimeTokenType[]) {
  if (types) await sql`delete from auth.one_time_tokens where user_id = ${userId} and token_type in ${sql(types)}`;
  else await sql`delete from auth.one_time_tokens where user_id = ${userId}`;
}
