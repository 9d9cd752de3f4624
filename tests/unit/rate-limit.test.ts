import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientIp } from '../../functions/_shared/rate-limit.ts';
import { DENO } from '../../scripts/stack/deno.ts';
import { ROOT } from '../../scripts/stack/project.ts';

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
    expect(clientIp('ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255', 1)).toBe(
      'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255',
    );
  });
});

describe('createRateLimiter', () => {
  // Deno's timers are ids and Node's are objects: each runtime's way of unref-ing is taken. A process the timer
  // kept alive would run into the 10 s kill, ending with a signal instead of exit code 0.
  const program = join(ROOT, 'tests/unit/fixtures/pending-rate-limit-sync.ts');
  it.each([
    ['Deno', DENO, ['run', program]],
    ['Node', join(ROOT, 'node_modules/.bin/tsx'), [program]],
  ])('leaves a %s process free to exit while a sync is pending', (_runtime, command, args) => {
    const run = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
    expect({ status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr }).toEqual({
      status: 0,
      signal: null,
      stdout: 'granted: true\n',
      stderr: '',
    });
  });
});
