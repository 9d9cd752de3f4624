// What every request carries through the middleware chain.
import type { Db } from '../db.ts';
import type { Config } from '../env.ts';
import type { Claims, VerifyJwt } from '../jwt.ts';
import type { RateLimiter } from '../rate-limit.ts';
import type { AppId } from '../apps.ts';
import type { RateLimitFamily } from '../env.ts';
import type { ErrorCode } from '../errors.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    config: Config;
    db: Db;
    verifyJwt: VerifyJwt;
    rateLimiter: RateLimiter;
    /** Verified JWT claims, when the request carried a bearer token. */
    claims?: Claims;
    /** The app named by the path, on /{app}/... routes. */
    appId?: AppId;
    /** Set by a route to override the rate-limit family derived from the method. */
    rateLimitFamily?: RateLimitFamily;
    /** The code of the error envelope this request was answered with, for its log line. */
    errorCode?: ErrorCode;
  };
}
