// What JSON from a client must look like before it reaches Postgres: no NUL character (text and jsonb cannot hold
// one) and no nesting deeper than any document of ours (a 100,000-deep array overflowed Postgres' stack).

/** Deeper than any request document of ours (the deepest, a sync row with a JSON column, is about 6). */
export const MAX_JSON_DEPTH = 32;

/** The first problem in a parsed JSON document, found without recursion (the document may be very deep). */
export function jsonProblem(doc: unknown): { field: string; code: string; message: string } | undefined {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: doc, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    const field = () => path.join('.') || '(root)';
    if (typeof value === 'string') {
      if (value.includes('\0')) return { field: field(), code: 'nul_character', message: 'must not contain a NUL character (\\u0000)' };
    } else if (value !== null && typeof value === 'object') {
      if (path.length >= MAX_JSON_DEPTH) return { field: field(), code: 'too_deep', message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\0')) return { field: [...path, key.replaceAll('\0', '\\u0000')].join('.'), code: 'nul_character', message: 'a key must not contain a NUL character' };
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return undefined;
}

