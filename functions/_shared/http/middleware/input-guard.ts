// Input no route can store or use, refused for every route before any handler runs: a NUL character (Postgres
// text cannot hold one, so it surfaced as a 500 after half a sign-in had been written), malformed %-escapes in the
// path or query, and JSON nested deeper than any of our documents (a 100,000-deep array overflowed Postgres' stack).
// One walk of the parsed body; the route's validator parses the same cached text again.
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../errors.ts';
import { jsonProblem } from '../../storable-json.ts';
import type { AppEnv } from '../context.ts';

const JSON_CONTENT = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

const refuse = (field: string, where: 'path' | 'query' | 'json', message: string, code: string) =>
  new ApiError('VALIDATION_FAILED', `The request ${where === 'json' ? 'body' : where} is invalid.`, [{
    field,
    code,
    message,
    in: where,
  }]);

function decoded(raw: string, field: string, where: 'path' | 'query'): string {
  try {
    // In a query a '+' is a space (form encoding); in a path it is itself.
    return decodeURIComponent(where === 'query' ? raw.replaceAll('+', ' ') : raw);
  } catch {
    throw refuse(field, where, 'malformed %-escape', 'invalid_encoding');
  }
}

function checkUrl(url: string) {
  const queryAt = url.indexOf('?');
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2), queryAt < 0 ? undefined : queryAt);
  if (decoded(path, '(path)', 'path').includes('\0')) {
    throw refuse('(path)', 'path', 'must not contain a NUL character', 'nul_character');
  }
  if (queryAt < 0) return;
  for (const pair of url.slice(queryAt + 1).split('&')) {
    const eq = pair.indexOf('=');
    const name = decoded(eq < 0 ? pair : pair.slice(0, eq), '(query)', 'query');
    const value = eq < 0 ? '' : decoded(pair.slice(eq + 1), name, 'query');
    if (name.includes('\0') || value.includes('\0')) {
      throw refuse(name.replaceAll('\0', '\\u0000'), 'query', 'must not contain a NUL character', 'nul_character');
    }
  }
}

export const inputGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  checkUrl(c.req.url);
  const contentType = c.req.header('content-type');
  if (contentType && JSON_CONTENT.test(contentType) && c.req.raw.body) {
    const text = await c.req.text();
    if (text.trim() !== '') {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        throw new ApiError('MALFORMED_JSON', 'The request body is not valid JSON.');
      }
      const problem = jsonProblem(doc);
      if (problem) throw refuse(problem.field, 'json', problem.message, problem.code);
    }
  }
  await next();
};
