import { describe, expect, it } from 'vitest';
import { clientIp } from '../../functions/_shared/rate-limit.ts';

describe('clientIp', () => {
  it('takes the entry appended by the nearest trusted proxy', () => {
    expect(clientIp('6.6.6.6, 203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientIp('6.6.6.6, 203.0.113.9, 10.0.0.2', 2)).toBe('203.0.113.9');
  });
  it('falls back to the leftmost when there are fewer entries than hops', () => {
    expect(clientIp('203.0.113.9', 3)).toBe('203.0.113.9');
  });
  it('has no address without the header or without trusted proxies', () => {
    expect(clientIp(undefined, 1)).toBeUndefined();
    expect(clientIp('203.0.113.9', 0)).toBeUndefined();
  });
  it('is never longer than an address, whatever the client wrote', () => {
    expect(clientIp(`${'9'.repeat(10_000)}`, 2)).toBe('9'.repeat(45));
    expect(clientIp('ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255', 1)).toBe('ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255');
  });
});
