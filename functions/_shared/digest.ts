// Hashes used for identity and idempotency (Web Crypto: the same in Deno and Node).

const encoder = new TextEncoder();
export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));
}

/**
 * HMAC-SHA-256 of message under secret. Each use prefixes the message with a label of its own, so one use's MAC
 * never stands for another's.
 */
export async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message)));
}

/** RFC 4122 version-5 uuid: the same namespace and name always give the same id. */
export async function uuidV5(namespace: string, name: string): Promise<string> {
  const ns = namespace.replace(/-/g, '').match(/../g)!.map((b) => parseInt(b, 16));
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-1', new Uint8Array([...ns, ...encoder.encode(name)])))
    .slice(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const h = toHex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
