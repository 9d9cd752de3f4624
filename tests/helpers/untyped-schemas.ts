// Where an OpenAPI 3.1 document leaves a body untyped: the nodes of its request and response body schemas that a
// client generator can only turn into "any" (`Map<String, dynamic>`, `unknown`, `Record<string, unknown>`).
import { HTTP_METHODS, type JsonSchema as Schema, type OpenApiDocument } from './openapi-document.ts';

const COMBINATORS = ['oneOf', 'anyOf', 'allOf'] as const;

/** Why a schema node is untyped, or undefined when it says what its value is. */
function untypedReason(s: Schema): string | undefined {
  if (s.$ref || COMBINATORS.some((k) => Array.isArray(s[k])) || Array.isArray(s.enum) || 'const' in s) return undefined;
  const types: string[] = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length === 0) return 'no type';
  if (types.includes('array') && !s.items && !s.prefixItems) return 'array without items';
  if (types.includes('object') && !s.properties && !s.patternProperties) {
    if (s.additionalProperties === true) return 'object with additionalProperties: true and no properties';
    if (s.additionalProperties === undefined) return 'object without properties';
  }
  return undefined;
}

/**
 * Every untyped node under the bodies of every operation, as `<METHOD> <path> <where> <pointer>: <reason>`, each
 * named component reported once (at its first use) under `#/components/schemas/<name>`.
 */
export function untypedBodyNodes(doc: OpenApiDocument): string[] {
  const found: string[] = [];
  const seenRefs = new Set<string>();
  const walk = (s: unknown, at: string) => {
    if (!s || typeof s !== 'object') return;
    const schema = s as Schema;
    if (typeof schema.$ref === 'string') {
      const name = schema.$ref.replace('#/components/schemas/', '');
      if (seenRefs.has(name)) return;
      seenRefs.add(name);
      return walk(doc.components?.schemas?.[name], `#/components/schemas/${name}`);
    }
    const reason = untypedReason(schema);
    if (reason) found.push(`${at}: ${reason}`);
    for (const k of COMBINATORS) (schema[k] ?? []).forEach((b, i) => walk(b, `${at}/${k}/${i}`));
    for (const [k, v] of Object.entries(schema.properties ?? {})) walk(v, `${at}/properties/${k}`);
    for (const [k, v] of Object.entries(schema.patternProperties ?? {})) walk(v, `${at}/patternProperties/${k}`);
    if (typeof schema.additionalProperties === 'object') {
      walk(schema.additionalProperties, `${at}/additionalProperties`);
    }
    if (schema.items) walk(schema.items, `${at}/items`);
    (schema.prefixItems ?? []).forEach((b, i) => walk(b, `${at}/prefixItems/${i}`));
  };
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const name = `${method.toUpperCase()} ${path}`;
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        walk(media.schema, `${name} request ${type}`);
      }
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          walk(media.schema, `${name} ${status} ${type}`);
        }
      }
    }
  }
  return found;
}
