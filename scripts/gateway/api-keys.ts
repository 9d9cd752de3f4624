// What Supabase's API gateway does with the credentials a request carries, before any service sees it:
// - Auth and Storage never see an `sb_` key: one of the project's keys on `apikey` (or as the bearer, as supabase-js
//   sends it when no one is signed in) is replaced by a JWT of its role (publishable → anon, secret → service_role;
//   hosted mints a short-lived one, the Supabase CLI and we use the legacy anon / service_role key). An `sb_` key
//   that is not the project's is refused with 401 "Invalid API key".
// - Edge Functions get the headers as sent; `verify_jwt` lets a request through with a valid JWT in Authorization
//   (HS256 legacy or a signing key's) or, for migration compatibility, with one of the project's API keys on either
//   header, which authenticates no one: a function that needs a service caller checks the key itself.
import { bearerOf } from '../../functions/_shared/bearer.ts';
import { type ApiKeyKind, apiKeyKind, projectKeyKind } from '../../functions/_shared/api-keys.ts';
import type { ProjectKeys } from '../../functions/_shared/env.ts';
import { createJwtVerifier } from '../../functions/_shared/jwt.ts';

export function createApiKeyGate({ jwt, keys }: ProjectKeys) {
  const verifyJwt = createJwtVerifier(jwt);
  const roleJwt: Record<ApiKeyKind, string | undefined> = {
    publishable: keys.legacy.anon,
    secret: keys.legacy.serviceRole,
  };

  /** The `sb_` key a request presents: on `apikey`, else as its bearer. */
  function presentedKey(headers: Headers): string | undefined {
    const apikey = headers.get('apikey') ?? undefined;
    if (apiKeyKind(apikey)) return apikey;
    const bearer = bearerOf(headers.get('authorization'));
    return apiKeyKind(bearer) ? bearer : undefined;
  }

  return {
    /** Supabase's verify_jwt check for a function that keeps it on. */
    async verifyJwtPasses(headers: Headers): Promise<boolean> {
      const bearer = bearerOf(headers.get('authorization'));
      if (bearer && !apiKeyKind(bearer)) {
        try {
          await verifyJwt(bearer);
          return true;
        } catch {
          return false;
        }
      }
      return !!(await projectKeyKind(presentedKey(headers), keys.api));
    },

    /** The headers Auth and Storage receive, or the gateway's refusal of a key that is not the project's. */
    async forServices(headers: Headers): Promise<Headers | Response> {
      const key = presentedKey(headers);
      if (!key) return headers;
      const kind = await projectKeyKind(key, keys.api);
      const jwtOfRole = kind && roleJwt[kind];
      if (!jwtOfRole) {
        return Response.json({ message: 'Invalid API key', hint: 'Double check your Supabase API key.' }, {
          status: 401,
        });
      }
      const out = new Headers(headers);
      const bearer = bearerOf(headers.get('authorization'));
      if (!bearer || apiKeyKind(bearer)) out.set('authorization', `Bearer ${jwtOfRole}`);
      return out;
    },
  };
}
