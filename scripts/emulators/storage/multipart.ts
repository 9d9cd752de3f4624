// A minimal multipart/form-data reader. supabase-js sends the file under the field name "" — which Deno's
// own FormData parser drops — so the emulator reads the parts itself.

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Uint8Array;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function boundaryOf(contentType: string): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2]?.trim();
}

export function parseMultipart(body: Uint8Array, boundary: string): Part[] {
  const enc = new TextEncoder();
  const delimiter = enc.encode(`--${boundary}`);
  const headerEnd = enc.encode('\r\n\r\n');
  const parts: Part[] = [];
  let pos = indexOf(body, delimiter, 0);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body[start] === 45 && body[start + 1] === 45) break; // "--": the closing delimiter
    const headersAt = start + 2; // skip CRLF
    const split = indexOf(body, headerEnd, headersAt);
    if (split < 0) break;
    const next = indexOf(body, delimiter, split + 4);
    if (next < 0) break;
    const headers = new TextDecoder().decode(body.subarray(headersAt, split));
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    parts.push({
      name: /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '',
      filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1],
      contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim(),
      data: body.subarray(split + 4, next - 2), // the part ends with CRLF before the delimiter
    });
    pos = next;
  }
  return parts;
}
