// What JSON from a client must look like before it reaches Postgres: no NUL character (text and jsonb cannot hold
// one) and no nesting deeper than any document of ours (a 100,000-deep array overflowed Postgres' stack).

/** Deeper than any request document of ours (the deepest, a sync row with a JSON column, is about 6). */
export const MAX_JSON_DEPTH = 32;

type Problem = { field: string; code: string; message: string };

/**
 * The first problem in a parsed JSON document, found without recursion (the document may be very deep). Every
 * request body passes here, so the walk that finds nothing builds no paths (a 500-mutation push: ~0.4 ms instead of
 * ~3 ms); only a document with a problem is walked again to name where it is.
 */
export function jsonProblem(doc: unknown): Problem | undefined {
  return hasProblem(doc) ? locate(doc) : undefined;
}

function hasProblem(doc: unknown): boolean {
  const values: unknown[] = [doc];
  const depths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0')) return true;
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_JSON_DEPTH) return true;
      const children = Array.isArray(value) ? value : Object.values(value);
      if (!Array.isArray(value) && Object.keys(value).some((key) => key.includes('\0'))) return true;
      for (const child of children) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

function locate(doc: unknown): Problem | undefined {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: doc, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    const field = () => path.join('.') || '(root)';
    if (typeof value === 'string') {
      if (value.includes('\0')) {
        return { field: field(), code: 'nul_character', message: 'must not contain a NUL character (\\u0000)' };
      }
    } else if (value !== null && typeof value === 'object') {
      if (path.length >= MAX_JSON_DEPTH) {
        return { field: field(), code: 'too_deep', message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
      }
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\0')) {
          return {
            field: [...path, key.replaceAll('\0', '\\u0000')].join('.'),
            code: 'nul_character',
            message: 'a key must not contain a NUL character',
          };
        }
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return undefined;
}
