import { describe, expect, it } from 'vitest';
import { pgTimeToIso } from '../../functions/_shared/db.ts';

describe('pgTimeToIso', () => {
  it('keeps dates as calendar dates', () => {
    expect(pgTimeToIso('2026-11-23')).toBe('2026-11-23');
  });
  it('turns timestamptz text into ISO 8601 with microseconds', () => {
    expect(pgTimeToIso('2026-11-23 03:28:55.385479+00')).toBe('2026-11-23T03:28:55.385479+00:00');
    expect(pgTimeToIso('2026-11-23 11:28:55+08')).toBe('2026-11-23T11:28:55+08:00');
    expect(pgTimeToIso('2026-11-23 11:28:55+05:30')).toBe('2026-11-23T11:28:55+05:30');
  });
});
