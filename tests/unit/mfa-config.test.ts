// supabase/config.toml turns TOTP MFA on for the hosted project (`supabase config push`; the CLI's default is off),
// and the local Auth emulator reads the same switches.
import { describe, expect, it } from 'vitest';
import { authSettings } from '../../scripts/emulators/auth/config.ts';
import { readConfigToml } from '../../scripts/stack/project.ts';

const auth = readConfigToml().auth ?? {};

describe('[auth.mfa] in supabase/config.toml', () => {
  it('turns TOTP enrolment and verification on, at most 10 factors a user, and no phone or WebAuthn factors', () => {
    expect(auth.mfa).toEqual({ max_enrolled_factors: 10, totp: { enroll_enabled: true, verify_enabled: true } });
  });

  it('is what the local Auth emulator runs with', () => {
    expect(authSettings(auth, {}).mfa).toMatchObject({
      totpEnrollEnabled: true,
      totpVerifyEnabled: true,
      maxEnrolledFactors: 10,
    });
  });
});
