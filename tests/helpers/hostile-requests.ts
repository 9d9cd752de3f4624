// Hostile requests derived from an OpenAPI 3.1 document: for every operation, a plausible request built from its
// schemas, then that request spoiled one place at a time — wrong or missing Content-Type, malformed JSON, NUL
// characters, numbers out of every range, nesting deeper than any document, oversized strings and arrays — in the
// body, the query and the path.

import { type JsonSchema as Schema, type OpenApiDocument as Doc, type Parameter } from './openapi-document.ts';

export interface Operation {
  method: string;
  path: string;
  params: Parameter[];
  body?: Schema;
}

export interface HostileRequest {
  label: string;
  method: string;
  /** Path with parameters filled and query string appended. */
  url: string;
  headers: Record<string, string>;
  body?: string | Blob;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function operations(doc: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const body = op.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        // A parameter given by reference is left out (zod-openapi writes every parameter inline).
        params: [...(item.parameters ?? []), ...(op.parameters ?? [])].filter((p): p is Parameter => !('$ref' in p)),
        body,
      });
    }
  }
  return ops;
}

/** A plausible value of a schema: enough to get past validation to the code behind it where the API allows. */
export function sample(doc: Doc, schema: Schema | undefined, depth = 0): unknown {
  if (!schema || depth > 8) return null;
  if (schema.$ref) return sample(doc, doc.components?.schemas?.[schema.$ref.split('/').pop() ?? ''], depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const choices = schema[key];
    if (choices) {
      const first = choices.find((s) => s.type !== 'null') ?? choices[0];
      return sample(doc, first, depth + 1);
    }
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = sample(doc, v, depth + 1);
      return out;
    }
    case 'array':
      return [sample(doc, schema.items, depth + 1)];
    case 'integer':
      return Math.max(schema.minimum ?? 1, 1);
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    case 'string':
      return stringSample(schema);
    default:
      return null;
  }
}

function stringSample(schema: Schema): string {
  switch (schema.format) {
    case 'uuid':
      return crypto.randomUUID();
    case 'date':
      return '2026-11-20';
    case 'date-time':
      return '2026-11-20T08:00:00Z';
    case 'email':
      return 'sweep@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/x';
  }
  if (schema.pattern && /\\d\{4\}-/.test(schema.pattern)) return '2026-11-20';
  return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
}

/** Values that break things, by the kind of value they replace. */
const HOSTILE_LEAVES: Record<'string' | 'number', Array<[string, unknown]>> = {
  string: [
    ['NUL', 'a\u0000b'],
    ['oversized string', 'x'.repeat(200_000)],
    ['lone surrogate', 'a\ud800b'],
  ],
  number: [
    ['beyond int4', 2_147_483_648],
    ['1e20', 1e20],
    ['-1e20', -1e20],
    ['1e308', 1e308],
    ['fraction', 0.5],
  ],
};

// Too deep for JSON.stringify's own stack: a marker in the document, written out as text afterwards.
const DEEP_MARKER = '\u{1F573}deep\u{1F573}';
const DEEP_TEXT = '['.repeat(10_000) + ']'.repeat(10_000);
const serialize = (doc: unknown) => JSON.stringify(doc).replace(JSON.stringify(DEEP_MARKER), DEEP_TEXT);

type Path = Array<string | number>;

function leaves(value: unknown, path: Path = [], out: Array<{ path: Path; value: unknown }> = []) {
  out.push({ path, value });
  if (Array.isArray(value)) value.forEach((v, i) => leaves(v, [...path, i], out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) leaves(v, [...path, k], out);
  }
  return out;
}

function replaced(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  const copy: unknown[] | Record<string, unknown> = Array.isArray(root) ? [...root] : { ...(root as object) };
  if (Array.isArray(copy)) copy[Number(key)] = replaced(copy[Number(key)], rest, value);
  else copy[key] = replaced(copy[key], rest, value);
  return copy;
}

// An array far beyond any route's maximum, but within the body limit (1 MB): a body over it is refused (413) before
// it is read, and the server may close the connection while a client is still sending the rest.
const OVERSIZED_ARRAY_LENGTH = 20_000;
const OVERSIZED_ARRAY_BYTES = 900_000;

function oversizedArray(item: unknown): unknown[] {
  const length = Math.min(
    OVERSIZED_ARRAY_LENGTH,
    Math.floor(OVERSIZED_ARRAY_BYTES / (JSON.stringify(item).length + 1)),
  );
  return Array.from({ length }, () => item);
}

/** What to put in place of one node of a request document: by its kind, plus structure attacks on any node. */
function spoilers(value: unknown): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [['deep nesting', DEEP_MARKER]];
  if (typeof value === 'string') out.push(...HOSTILE_LEAVES.string, ['number for string', 1e20]);
  else if (typeof value === 'number') out.push(...HOSTILE_LEAVES.number, ['string for number', 'a\u0000']);
  else if (Array.isArray(value)) out.push(['oversized array', oversizedArray(value[0] ?? 1)]);
  else if (value && typeof value === 'object') out.push(['NUL key', { ...value, 'k\u0000': 1 }]);
  return out;
}

/** Every hostile variant of one operation; `fill` supplies path parameters the caller knows to be valid. */
export function hostileRequests(
  doc: Doc,
  op: Operation,
  fill: (name: string, schema: Schema) => string,
): HostileRequest[] {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const validPath = (override: Record<string, string> = {}) =>
    op.path.replace(
      /\{([^}]+)\}/g,
      (_, name) =>
        override[name] ?? encodeURIComponent(fill(name, pathParams.find((p) => p.name === name)?.schema ?? {})),
    );
  const validQuery = () => Object.fromEntries(queryParams.map((p) => [p.name, String(sample(doc, p.schema) ?? 'x')]));
  const qs = (q: Record<string, string>) => (Object.keys(q).length ? `?${new URLSearchParams(q)}` : '');
  const body = op.body ? sample(doc, op.body) : undefined;
  const json = { 'content-type': 'application/json' };
  const requests: HostileRequest[] = [];
  const add = (label: string, url: string, headers: Record<string, string>, b?: string | Blob) =>
    requests.push({ label: `${op.method} ${op.path}: ${label}`, method: op.method, url, headers, body: b });

  const url = validPath() + qs(validQuery());
  if (op.body) {
    add('wrong Content-Type', url, { 'content-type': 'text/plain' }, JSON.stringify(body));
    add('no Content-Type', url, {}, new Blob([JSON.stringify(body)]));
    add('malformed JSON', url, json, '{"a":');
    add('empty JSON body', url, json, '');
    add('a 100,000-deep array as the body', url, json, '['.repeat(100_000) + ']'.repeat(100_000));
    for (const { path, value } of leaves(body)) {
      for (const [what, spoiled] of spoilers(value)) {
        add(`${what} at ${path.join('.') || '(root)'}`, url, json, serialize(replaced(body, path, spoiled)));
      }
    }
  }
  // Every operation, whatever it declares: a query it does not expect, carrying what no route can use.
  add(
    'NUL in an undeclared query parameter',
    `${url}${url.includes('?') ? '&' : '?'}q=%00`,
    op.body ? json : {},
    op.body ? JSON.stringify(body) : undefined,
  );
  add(
    'malformed %-escape in the query',
    `${url}${url.includes('?') ? '&' : '?'}q=%E0%A4%A`,
    op.body ? json : {},
    op.body ? JSON.stringify(body) : undefined,
  );
  for (const p of queryParams) {
    // A URL is bounded before our code sees it (the HTTP server refuses ~64 KB): long, not huge.
    for (
      const [what, v] of [
        ['NUL', 'a\u0000b'],
        ['long string', 'x'.repeat(6_000)],
        ['lone surrogate', 'a\ud800b'],
        ['huge number', '1e308'],
        ['negative', '-99999999999'],
        ['malformed %-escape', '%E0%A4%A'],
      ]
    ) {
      const q = { ...validQuery(), [p.name]: String(v) };
      const raw = what === 'malformed %-escape' ? `${validPath()}?${p.name}=${v}` : validPath() + qs(q);
      add(`${what} in query ${p.name}`, raw, op.body ? json : {}, op.body ? JSON.stringify(body) : undefined);
    }
  }
  for (const p of pathParams) {
    for (
      const [what, v] of [['NUL', '%00'], ['malformed %-escape', '%E0%A4%A'], ['dot segments', '..%2f..%2fx'], [
        'long',
        'x'.repeat(4000),
      ], ['beyond int8', '99999999999999999999']]
    ) {
      add(
        `${what} in path ${p.name}`,
        validPath({ [p.name]: String(v) }) + qs(validQuery()),
        op.body ? json : {},
        op.body ? JSON.stringify(body) : undefined,
      );
    }
  }
  return requests;
}
