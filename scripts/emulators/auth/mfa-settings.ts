// MFA settings of the local Auth emulator: config.toml's [auth.mfa] as the Supabase CLI hands it to GoTrue, and
// GoTrue's own defaults for what the CLI does not configure (conf/configuration.go).
import type { AuthToml } from '../../stack/project.ts';

export interface MfaSettings {
  /** [auth.mfa.totp]: the CLI's default for both is false. */
  totpEnrollEnabled: boolean;
  totpVerifyEnabled: boolean;
  /** [auth.mfa] max_enrolled_factors: factors of any status per user. */
  maxEnrolledFactors: number;
  /** MFA_MAX_VERIFIED_FACTORS. */
  maxVerifiedFactors: number;
  /** Seconds a challenge can be verified (MFA_CHALLENGE_EXPIRY_DURATION, 300 at least). */
  challengeExpiry: number;
  /** Seconds an unverified factor with no challenge is kept (MFA_FACTOR_EXPIRY_DURATION, 300 at least). */
  factorExpiry: number;
  /** Challenges, and verifications, per client address per minute (MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY). */
  challengeAndVerifyPerMinute: number;
}

export function mfaSettings(mfa: AuthToml['mfa']): MfaSettings {
  return {
    totpEnrollEnabled: mfa?.totp?.enroll_enabled ?? false,
    totpVerifyEnabled: mfa?.totp?.verify_enabled ?? false,
    maxEnrolledFactors: mfa?.max_enrolled_factors ?? 10,
    maxVerifiedFactors: 10,
    challengeExpiry: 300,
    factorExpiry: 300,
    challengeAndVerifyPerMinute: 15,
  };
}
