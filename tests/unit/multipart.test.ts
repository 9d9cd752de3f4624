import { describe, expect, it } from 'vitest';
import { boundaryOf, parseMultipart } from '../../scripts/emulators/storage/multipart.ts';

describe('multipart reader (storage emulator)', () => {
  it('reads the parts supabase-js sends, including the file under the empty field name', async () => {
    const form = new FormData();
    form.append('cacheControl', '3600');
    form.append('', new Blob([new Uint8Array([0, 13, 10, 255, 45, 45])], { type: 'image/png' }));
    const req = new Request('http://x/', { method: 'POST', body: form });
    const boundary = boundaryOf(req.headers.get('content-type')!)!;
    const parts = parseMultipart(new Uint8Array(await req.arrayBuffer()), boundary);
    expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ['cacheControl', undefined, undefined],
      ['', 'blob', 'image/png'],
    ]);
    expect(Array.from(parts[1].data)).toEqual([0, 13, 10, 255, 45, 45]);
    expect(new TextDecoder().decode(parts[0].data)).toBe('3600');
  });
});
