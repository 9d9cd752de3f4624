// POST /{app}/files/upload-url: a signed upload URL for a path the server chooses.
// GET /{app}/files/{bucket}/{path}: a short-lived signed download URL for an object the caller owns.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../_shared/http/context.ts';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser, requireUser } from '../../_shared/http/middleware/auth.ts';
import { rateLimit } from '../../_shared/http/middleware/rate-limit.ts';
import {
  APP_ROUTE_ERRORS,
  AppParam,
  bearerSecurity,
  errorResponses,
  jsonBody,
  jsonContent,
} from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import { APP_BUCKETS, BUCKETS, type ObjectStore } from '../storage.ts';
import { UPLOAD_PURPOSE_NAMES } from '../upload-purposes.ts';
import { issueUploadUrl, UploadUrl } from '../upload-url.ts';
import { StoragePath } from '../../_shared/validation.ts';

const DOWNLOAD_URL_TTL = 300;

const UploadRequest = z
  .object({
    purpose: z.enum(UPLOAD_PURPOSE_NAMES),
    content_type: z.string().min(3).max(100).openapi({ example: 'image/jpeg' }),
    size: z.number().int().positive().openapi({ description: 'Bytes the app will upload' }),
  })
  .strict()
  .openapi('UploadUrlRequest');

const DownloadUrl = z.object({ url: z.string(), expires_in: z.number().int() }).openapi('DownloadUrl');

const uploadRoute = userRoute({
  method: 'post',
  path: '/{app}/files/upload-url',
  tags: ['files'],
  summary: 'A signed URL to upload one file for a purpose ' +
    '(avatar, diary image, meal photo, emoji source photo, voice message)',
  request: { params: AppParam, body: jsonBody(UploadRequest) },
  responses: { 201: jsonContent(UploadUrl, 'Upload URL issued') },
});

// Object paths contain slashes, which an OpenAPI path parameter cannot: documented here, routed below.
const downloadDoc = createRoute({
  method: 'get',
  path: '/{app}/files/{bucket}/{path}',
  tags: ['files'],
  summary:
    "A short-lived signed download URL for one of the caller's files (uploads, audio, results, exports, avatars)",
  description: '`path` is the object path as returned at upload, slashes included.',
  security: bearerSecurity,
  request: {
    params: AppParam.extend({
      bucket: z.enum(BUCKETS).openapi({ param: { name: 'bucket', in: 'path' } }),
      path: z.string().openapi({
        param: { name: 'path', in: 'path' },
        example: 'pickitchen/<user id>/results/<file>.mp4',
      }),
    }),
  },
  responses: { 200: jsonContent(DownloadUrl, 'Signed URL'), ...errorResponses(...APP_ROUTE_ERRORS) },
});

export function registerFileRoutes(app: HoutaiApp, store: () => ObjectStore) {
  app.openapi(uploadRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const body = c.req.valid('json');
    return c.json(await issueUploadUrl(c, appId, body.purpose, body.content_type, body.size), 201);
  });

  app.openAPIRegistry.registerPath(downloadDoc);
  app.get('/:app/files/:bucket/:path{.+}', requireUser, rateLimit, async (c: Context<AppEnv>) => {
    const appId = c.var.appId!;
    const bucket = c.req.param('bucket') ?? '';
    const path = c.req.param('path') ?? '';
    if (!(BUCKETS as readonly string[]).includes(bucket)) {
      throw new ApiError('NOT_FOUND', `There is no bucket "${bucket}".`);
    }
    if (!StoragePath.safeParse(path).success) {
      throw new ApiError('VALIDATION_FAILED', 'Invalid file path.', [{
        field: 'path',
        message: 'must be a relative object path',
      }]);
    }
    const user = currentUser(c);
    // Ownership is what the storage policies read from the path; app-scoped buckets must name this app.
    const [row] = await c.var.db.asService((tx) =>
      tx<[{ owned: boolean | null; found: boolean }]>`
      select internal.object_user_segment(${bucket}, ${path}) = ${user.sub} as owned,
             exists (select 1 from storage.objects where bucket_id = ${bucket} and name = ${path}) as found`
    );
    const appScoped = (APP_BUCKETS as readonly string[]).includes(bucket);
    if (!row.owned || !row.found || (appScoped && !path.startsWith(`${appId}/`))) {
      throw new ApiError('NOT_FOUND', 'No such file.');
    }
    const url = await store().signedDownloadUrl(bucket as (typeof BUCKETS)[number], path, DOWNLOAD_URL_TTL);
    return c.json({ url, expires_in: DOWNLOAD_URL_TTL }, 200);
  });
}
