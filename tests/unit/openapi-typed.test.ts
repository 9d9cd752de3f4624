// Every request and response body the three functions document has its exact schema, so a client generated from
// the document (openapi-typescript, a Dart generator) is typed: no `unknown`, `Map<String, dynamic>` or bare object.
import { describe, expect, it } from 'vitest';
import { functionDocuments } from '../../scripts/openapi/documents.ts';
import type { OpenApiDocument } from '../helpers/openapi-document.ts';
import { untypedBodyNodes } from '../helpers/untyped-schemas.ts';

const documents = await functionDocuments();

describe('the untyped-body finder', () => {
  it('flags {}, no type, a bare or additionalProperties: true object, an array with no items, via $ref/anyOf', () => {
    const doc = {
      paths: {
        '/x': {
          post: {
            requestBody: {
              content: {
                'application/json': { schema: { type: 'object', properties: { any: {}, list: { type: 'array' } } } },
              },
            },
            responses: {
              200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
              400: {
                content: {
                  'application/json': {
                    schema: { anyOf: [{ type: 'object', additionalProperties: true }, { type: 'null' }] },
                  },
                },
              },
              204: { description: 'no body' },
            },
          },
        },
      },
      components: {
        schemas: {
          Thing: {
            type: 'object',
            properties: { meta: { type: 'object' }, ok: { type: 'string' } },
            additionalProperties: { description: 'anything' },
          },
        },
      },
    };
    expect(untypedBodyNodes(doc)).toEqual([
      'POST /x request application/json/properties/any: no type',
      'POST /x request application/json/properties/list: array without items',
      '#/components/schemas/Thing/properties/meta: object without properties',
      '#/components/schemas/Thing/additionalProperties: no type',
      'POST /x 400 application/json/anyOf/0: object with additionalProperties: true and no properties',
    ]);
  });

  it('passes typed nodes: $ref, enum, const, maps of a typed value, empty strict objects, nullable types', () => {
    const typed = {
      type: 'object',
      properties: {
        ref: { $ref: '#/components/schemas/T' },
        kind: { enum: ['a', 'b'] },
        fixed: { const: 1 },
        map: { type: 'object', additionalProperties: { type: 'integer' } },
        none: { type: 'object', properties: {}, additionalProperties: false },
        maybe: { type: ['string', 'null'] },
      },
    };
    const doc = {
      paths: { '/y': { get: { responses: { 200: { content: { 'application/json': { schema: typed } } } } } } },
      components: { schemas: { T: { type: 'string' } } },
    };
    expect(untypedBodyNodes(doc)).toEqual([]);
  });
});

describe('the OpenAPI documents', () => {
  it.each(Object.keys(documents) as Array<keyof typeof documents>)(
    'the %s document has no untyped request or response body',
    (fn) => {
      expect(untypedBodyNodes(documents[fn])).toEqual([]);
    },
  );

  it('gives every coach record dimension its own routes and typed record, from the dimension table', () => {
    const { paths, components }: OpenApiDocument = documents.api;
    const post = paths?.['/api/v1/coach/records/meal']?.post;
    expect(post?.requestBody?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/CoachMealRecordCreate',
    });
    expect(post?.responses?.[201]?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/CoachMealRecord',
    });
    expect(components?.schemas?.CoachMealRecordCreate?.required).toEqual(['meal_type', 'description']);
    expect(Object.keys(components?.schemas?.CoachReadingRecord?.properties ?? {})).toEqual(
      expect.arrayContaining(['book', 'minutes', 'pages', 'notes', 'ai_summary']),
    );
  });
});
