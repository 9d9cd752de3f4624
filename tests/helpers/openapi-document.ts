// The parts of an OpenAPI 3.1 document, and of its JSON Schemas, that tests read. Every key is optional, as in a
// document: a reader checks what it needs. Where the document may hold a Reference Object instead, `$ref` says so.

export interface JsonSchema {
  $ref?: string;
  description?: string;
  type?: string | string[];
  format?: string;
  pattern?: string;
  minimum?: number;
  minLength?: number;
  example?: unknown;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema?: JsonSchema;
}

/** A Reference Object, where a document may hold one instead of what it names. */
export interface Reference {
  $ref: string;
}

/** Request or response bodies by media type. */
export type Content = Record<string, { schema?: JsonSchema }>;

export interface OpenApiOperation {
  parameters?: Array<Parameter | Reference>;
  requestBody?: { content?: Content; $ref?: string };
  responses?: Record<string, { content?: Content; description?: string; $ref?: string }>;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type PathItem = { parameters?: Array<Parameter | Reference> } & { [method in HttpMethod]?: OpenApiOperation };

export interface OpenApiDocument {
  paths?: Record<string, PathItem>;
  components?: { schemas?: Record<string, JsonSchema> };
}
