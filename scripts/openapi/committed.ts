// The API's OpenAPI document and the TypeScript client types generated from it (openapi-typescript), as committed
// under openapi/: app developers and reviewers see every API change in a diff. `npm run openapi` writes them; a unit
// test fails when the committed files differ from what the code makes now.
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { ROOT } from '../stack/project.ts';
import { functionDocuments, localServerUrl } from './documents.ts';

export const COMMITTED_DIR = join(ROOT, 'openapi');

/**
 * The JsonValue component as a recursive type alias: openapi-typescript writes it as a member of `components` that
 * names itself through an array, which TypeScript refuses (TS2502) and a consumer would silently see as `any`.
 */
const JSON_VALUE = {
  path: '#/components/schemas/JsonValue',
  alias: 'export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };',
};

/** Each committed file's path and the text the code makes for it now (server: the local stack, as on every machine). */
export async function committedFiles(): Promise<Array<{ path: string; text: string }>> {
  const { api } = await functionDocuments(localServerUrl());
  const json = `${JSON.stringify(api, null, 2)}\n`;
  const types = astToString(
    await openapiTS(json, {
      inject: JSON_VALUE.alias,
      transform: (
        _schema,
        { path },
      ) => (path === JSON_VALUE.path ? ts.factory.createTypeReferenceNode('JsonValue') : undefined),
    }),
  );
  return [
    { path: join(COMMITTED_DIR, 'api.json'), text: json },
    { path: join(COMMITTED_DIR, 'api.d.ts'), text: types },
  ];
}
