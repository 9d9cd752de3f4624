// App Store JWS (Server Notifications V2 and StoreKit 2 signed transactions), verified by Apple's own
// App Store Server Library with its certificate checks made on WebCrypto (app-store-verifier.ts): the x5c chain up
// to the configured root (Apple Root CA - G3 in production), with online checks every certificate valid today and
// not revoked (OCSP to Apple), the ES256 signature, bundle id and environment. Tests configure their own root CA
// and OCSP responder.
import {
  Environment,
  type JWSRenewalInfoDecodedPayload,
  type JWSTransactionDecodedPayload,
  type ResponseBodyV2DecodedPayload,
  VerificationException,
  VerificationStatus,
} from '@apple/app-store-server-library';
import { z } from '@hono/zod-openapi';
import type { AppId } from '../apps.ts';
import type { Config } from '../env.ts';
import { ApiError, validationFailed } from '../errors.ts';
import { EpochMs, Price, Quantity } from './store-values.ts';
import { WebCryptoSignedDataVerifier } from './app-store-verifier.ts';

export type AppleTransaction = JWSTransactionDecodedPayload;
export type AppleRenewal = JWSRenewalInfoDecodedPayload;
export type AppleNotification = ResponseBodyV2DecodedPayload;

export class AppStoreVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppStoreVerificationError';
  }
}

export interface AppStore {
  /** Verifies a notification's signedPayload and the transaction and renewal it carries. */
  verifyNotification(
    signedPayload: string,
  ): Promise<{ app: AppId; notification: AppleNotification; transaction?: AppleTransaction; renewal?: AppleRenewal }>;
  /** Verifies a StoreKit 2 signed transaction sent by one of our apps. */
  verifyTransaction(app: AppId, signedTransaction: string): Promise<AppleTransaction>;
}

// The numbers of a verified payload that reach our tables, held to their ranges: the signature says who sent a
// value, not that it fits.
const NotificationValues = z.object({ signedDate: EpochMs.nullish() });
const TransactionValues = z.object({
  purchaseDate: EpochMs.nullish(),
  expiresDate: EpochMs.nullish(),
  revocationDate: EpochMs.nullish(),
  signedDate: EpochMs.nullish(),
  /** In milliunits of the currency. */
  price: z.number().int().transform((milli) => milli / 1000).pipe(Price).nullish(),
  quantity: Quantity.nullish(),
});
const RenewalValues = z.object({ gracePeriodExpiresDate: EpochMs.nullish(), signedDate: EpochMs.nullish() });

/** The verified payload itself, once its values are in range; else 400 VALIDATION_FAILED naming them. */
function inRange<T>(values: z.ZodType, payload: T, where: string): T {
  const checked = values.safeParse(payload);
  if (!checked.success) {
    throw validationFailed(checked.error, where, `The App Store's ${where} has values out of range.`);
  }
  return payload;
}

/** Where a notification names its app; unverified, so any of it may be missing or of another type. */
type ClaimedApp = { data?: { bundleId?: unknown } | null; summary?: { bundleId?: unknown } | null };

/** The payload of a compact JWS, unverified: only to choose which app's verifier checks it. */
function peek(jws: string): ClaimedApp {
  try {
    const part = (jws.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part), (ch) => ch.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof payload === 'object' && payload !== null ? payload : {};
  } catch {
    throw new AppStoreVerificationError('not a JWS');
  }
}

export function createAppStore(config: Config['apple']): AppStore | undefined {
  if (config.rootCertificates.length === 0 || Object.keys(config.apps).length === 0) return undefined;
  const verifiers = new Map(
    Object.entries(config.apps).map(([app, a]) => [
      app as AppId,
      {
        bundleId: a.bundleId,
        // Online checks: every certificate valid today and not revoked, by OCSP to Apple (fails closed when Apple's
        // responder cannot be reached); without them a chain is only checked at the date it claims to have signed,
        // and a revoked signing key still passes.
        verifier: new WebCryptoSignedDataVerifier(
          config.rootCertificates,
          config.onlineChecks,
          a.environment === 'Sandbox' ? Environment.SANDBOX : Environment.PRODUCTION,
          a.bundleId,
          a.appAppleId,
        ),
      },
    ]),
  );
  const appFor = (bundleId: unknown) => [...verifiers.entries()].find(([, v]) => v.bundleId === bundleId);

  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      // Apple's revocation service unreachable: nothing is known about the signature yet, so the caller retries.
      if (err instanceof VerificationException && err.status === VerificationStatus.RETRYABLE_VERIFICATION_FAILURE) {
        throw new ApiError(
          'SERVICE_UNAVAILABLE',
          "The App Store's certificate status service could not be reached; try again shortly.",
        );
      }
      if (err instanceof VerificationException) {
        throw new AppStoreVerificationError(`App Store signature check failed (status ${err.status})`);
      }
      throw err;
    }
  };

  return {
    async verifyNotification(signedPayload) {
      const claimed = peek(signedPayload);
      const entry = appFor(claimed.data?.bundleId ?? claimed.summary?.bundleId);
      if (!entry) throw new AppStoreVerificationError('notification for an app we do not serve');
      const [app, { verifier }] = entry;
      const notification = inRange(
        NotificationValues,
        await guard(() => verifier.verifyAndDecodeNotification(signedPayload)),
        'signedPayload',
      );
      const transaction = notification.data?.signedTransactionInfo
        ? inRange(
          TransactionValues,
          await guard(() => verifier.verifyAndDecodeTransaction(notification.data!.signedTransactionInfo!)),
          'signedTransactionInfo',
        )
        : undefined;
      const renewal = notification.data?.signedRenewalInfo
        ? inRange(
          RenewalValues,
          await guard(() => verifier.verifyAndDecodeRenewalInfo(notification.data!.signedRenewalInfo!)),
          'signedRenewalInfo',
        )
        : undefined;
      return { app, notification, transaction, renewal };
    },
    async verifyTransaction(app, signedTransaction) {
      const entry = verifiers.get(app);
      if (!entry) throw new AppStoreVerificationError(`no App Store app is configured for ${app}`);
      return inRange(
        TransactionValues,
        await guard(() => entry.verifier.verifyAndDecodeTransaction(signedTransaction)),
        'signed_transaction',
      );
    },
  };
}
