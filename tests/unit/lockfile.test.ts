import { describe, expect, it } from 'vitest';
import { missingPlatformEntries, platformOf, readLock } from '../../scripts/complete-lockfile.ts';

describe('package-lock.json', () => {
  it('records every optional platform package for `npm ci` (fix: npx tsx scripts/complete-lockfile.ts)', () => {
    expect(missingPlatformEntries(readLock()).map(([k]) => k)).toEqual([]);
  });

  it('derives os/cpu/libc from platform package names', () => {
    expect(platformOf('@deno/linux-x64-glibc')).toEqual({ os: ['linux'], cpu: ['x64'], libc: ['glibc'] });
    expect(platformOf('@supabase/cli-windows-arm64')).toEqual({ os: ['win32'], cpu: ['arm64'] });
    expect(platformOf('@supabase/cli-linux-arm64-musl')).toEqual({ os: ['linux'], cpu: ['arm64'], libc: ['musl'] });
    expect(platformOf('left-pad')).toBeUndefined();
  });
});
