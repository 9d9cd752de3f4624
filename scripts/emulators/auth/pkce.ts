// PKCE (RFC 7636) as GoTrue runs it (internal/api/pkce.go, models/flow_state.go, token.go): a request carrying a code
// challenge starts a flow, kept as an auth.flow_state row; whatever finishes the flow for a user (a mailed link, an
// OAuth /callback) hands the browser the row's auth code instead of a session; POST /token?grant_type=pkce
// trades that code and the challenge's verifier for the session, once: createFlowState, finishFlowState (or, for a
// mailed link, issueAuthCode), exchangeAuthCode.
import { createHash, timingSafeEqual } from 'node:crypto';
import type postgres from 'postgres';
import { AuthError, validation } from './errors.ts';
import { issueSession, type TokenSettings } from './sessions.ts';
import type { UserRow } from './users.ts';
import { str } from './validate.ts';

type Sql = postgres.Sql | postgres.TransactionSql;

/** GoTrue's authentication methods a flow can stand for; the session the flow ends in has it as its amr. */
export type FlowMethod = 'oauth' | 'email/signup' | 'magiclink' | 'recovery' | 'email_change' | 'invite';

/** What a PKCE flow puts before the token hash it mails, so that the link's /verify answers with an auth code. */
export const PKCE_PREFIX = 'pkce_';

/** Seconds a flow lives: GoTrue's EXTERNAL_FLOW_STATE_EXPIRY_DURATION default, which is also its minimum. */
export const FLOW_STATE_EXPIRY = 300;

export interface CodeChallenge {
  challenge: string;
  method: 's256' | 'plain';
}

export interface FlowStateRow {
  id: string;
  user_id: string | null;
  auth_code: string | null;
  code_challenge_method: 's256' | 'plain' | null;
  code_challenge: string | null;
  provider_type: string;
  provider_access_token: string | null;
  provider_refresh_token: string | null;
  authentication_method: FlowMethod;
  referrer: string | null;
  linking_target_id: string | null;
  email_optional: boolean;
  created_at: Date | null;
  auth_code_issued_at: Date | null;
}

/** The request's code_challenge and code_challenge_method, checked as GoTrue checks them; undefined without PKCE. */
export function codeChallengeOf(body: Record<string, unknown>): CodeChallenge | undefined {
  const challenge = str(body.code_challenge);
  const method = str(body.code_challenge_method)?.toLowerCase();
  if (!challenge !== !method) throw validation('PKCE flow requires code_challenge_method and code_challenge');
  if (!challenge) return undefined;
  if (challenge.length < 43 || challenge.length > 128) {
    throw validation('code challenge has to be between 43 and 128 characters');
  }
  if (!/^[A-Za-z0-9._~-]+$/.test(challenge)) {
    throw validation(
      'code challenge can only contain alphanumeric characters, hyphens, periods, underscores and tildes',
    );
  }
  if (method !== 's256' && method !== 'plain') throw validation('Invalid code_challenge_method');
  return { challenge, method };
}

/** The flow a mailed link's type finishes (GoTrue's ParseAuthenticationMethod: `signup` is `email/signup`). */
export function flowMethodOfLink(type: string): FlowMethod | undefined {
  const methods: Record<string, FlowMethod> = {
    signup: 'email/signup',
    invite: 'invite',
    magiclink: 'magiclink',
    recovery: 'recovery',
    email_change: 'email_change',
  };
  return methods[type];
}

/**
 * Step 1, starting a flow: a row for the user (email flows) or, for OAuth, for whoever comes back to /callback with
 * the returned id as its state. A code challenge makes it PKCE and gives it its auth code; an OAuth flow without one
 * (the implicit flow) still has its row, for the state. `referrer` is where /callback sends the browser, and
 * `linkingTargetId` the signed-in user an identity is linked to (GoTrue's FlowStateParams).
 */
export async function createFlowState(
  sql: Sql,
  flow: {
    userId?: string;
    method: FlowMethod;
    providerType: string;
    challenge?: CodeChallenge;
    referrer?: string;
    linkingTargetId?: string;
    emailOptional?: boolean;
  },
): Promise<string> {
  const id = crypto.randomUUID();
  const { challenge } = flow;
  await sql`
    insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge, provider_type,
                                 authentication_method, referrer, linking_target_id, email_optional,
                                 created_at, updated_at)
    values (${id}, ${flow.userId ?? null}, ${challenge ? crypto.randomUUID() : null},
            ${challenge?.method ?? null}::auth.code_challenge_method, ${challenge?.challenge ?? null},
            ${flow.providerType}, ${flow.method}, ${flow.referrer ?? null}, ${flow.linkingTargetId ?? null},
            ${flow.emailOptional ?? false}, now(), now())`;
  return id;
}

/**
 * Step 2, finishing a flow with its user: the user is kept on the row and the code stamped as issued now (a magic
 * link's flow is timed from then), with the provider's tokens for an OAuth flow; the auth code to hand the browser,
 * none for a flow without PKCE.
 */
export async function finishFlowState(
  sql: Sql,
  flowId: string,
  userId: string,
  provider: { accessToken?: string; refreshToken?: string } = {},
): Promise<string | undefined> {
  const [flow] = await sql<Pick<FlowStateRow, 'auth_code'>[]>`
    update auth.flow_state set user_id = ${userId}, auth_code_issued_at = now(), updated_at = now(),
           provider_access_token = ${provider.accessToken ?? null}, provider_refresh_token = ${
    provider.refreshToken ?? null
  }
     where id = ${flowId} returning auth_code`;
  return flow?.auth_code ?? undefined;
}

/**
 * A mailed PKCE link finishing the user's latest flow of that method (GoTrue's issueAuthCode). No such flow is
 * GoTrue's 400 flow_state_not_found, which /verify puts in its error redirect.
 */
export async function issueAuthCode(tx: postgres.TransactionSql, userId: string, method: FlowMethod): Promise<string> {
  const [flow] = await tx<FlowStateRow[]>`
    select * from auth.flow_state where user_id = ${userId} and authentication_method = ${method}
     order by created_at desc limit 1 for update`;
  const code = flow && await finishFlowState(tx, flow.id, userId);
  if (code) return code;
  throw new AuthError(
    400,
    'flow_state_not_found',
    `No associated flow state found. ${
      flow ? 'Flow state does not have an auth code (not a PKCE flow).' : 'No valid flow state found for user.'
    }`,
  );
}

/** Past FLOW_STATE_EXPIRY since it began (a magic link's: since its code was issued), as GoTrue's IsExpired. */
export function isFlowExpired(flow: FlowStateRow): boolean {
  const from = flow.authentication_method === 'magiclink' && flow.auth_code_issued_at
    ? flow.auth_code_issued_at
    : flow.created_at;
  return !from || Date.now() > new Date(from).getTime() + FLOW_STATE_EXPIRY * 1000;
}

/** RFC 7636 §4.6: base64url(SHA-256(verifier)) for s256, the verifier itself for plain; compared in constant time. */
function verifierMatches(flow: FlowStateRow, verifier: string): boolean {
  const derived = flow.code_challenge_method === 's256'
    ? createHash('sha256').update(verifier).digest('base64url')
    : verifier;
  const [a, b] = [new TextEncoder().encode(derived), new TextEncoder().encode(flow.code_challenge ?? '')];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** POST /token?grant_type=pkce `{auth_code, code_verifier}`: the flow's session, with GoTrue's refusals, once. */
export async function exchangeAuthCode(
  sql: postgres.Sql,
  tokens: TokenSettings,
  body: Record<string, unknown>,
  client: { ip?: string; userAgent?: string },
) {
  const authCode = str(body.auth_code);
  const verifier = str(body.code_verifier);
  if (!authCode || !verifier) {
    throw validation('invalid request: both auth code and code verifier should be non-empty');
  }
  return await sql.begin(async (tx) => {
    // Locked, so that of two exchanges of one code only the first gets a session.
    const [flow] = await tx<FlowStateRow[]>`select * from auth.flow_state where auth_code = ${authCode} for update`;
    const [user] = flow?.user_id ? await tx<UserRow[]>`select * from auth.users where id = ${flow.user_id}` : [];
    if (!flow || !user) {
      throw new AuthError(404, 'flow_state_not_found', 'invalid flow state, no valid flow state found');
    }
    if (isFlowExpired(flow)) {
      throw new AuthError(422, 'flow_state_expired', 'invalid flow state, flow state has expired');
    }
    if (!verifierMatches(flow, verifier)) {
      throw new AuthError(400, 'bad_code_verifier', 'code challenge does not match previously saved code verifier');
    }
    const session = await issueSession(tx, tokens, user, flow.authentication_method, client);
    await tx`delete from auth.flow_state where id = ${flow.id}`;
    // An OAuth flow hands over what the provider gave /callback, as the implicit flow's fragment does.
    const provider = flow.provider_access_token
      ? { provider_token: flow.provider_access_token, provider_refresh_token: flow.provider_refresh_token ?? '' }
      : {};
    return { ...session, ...provider };
  });
}
