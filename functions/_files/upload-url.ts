// Signed upload URLs for a path the server chooses: the files route issues them for any purpose, PicKitchen's
// emoji upload for its source photos.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../_shared/http/context.ts';
import { currentUser } from '../_shared/http/middleware/auth.ts';
import { ApiError } from '../_shared/errors.ts';
import { serverClient } from '../_shared/supabase-client.ts';
import type { AppId } from '../_shared/apps.ts';
import { UPLOAD_PURPOSES, uploadPath, type UploadPurpose, type UploadPurposeName } from './upload-purposes.ts';

export const UploadUrl = z
  .object({
    bucket: z.string(),
    path: z.string().openapi({ description: 'Where the object will live; keep it to refer to the file later' }),
    signed_url: z.string().openapi({
      description: 'PUT the bytes here, or pass path and token to storage.from(bucket).uploadToSignedUrl()',
    }),
    token: z.string(),
    max_bytes: z.number().int(),
  })
  .openapi('UploadUrl');

function purposeFor(app: string, name: UploadPurposeName): UploadPurpose {
  const purpose: UploadPurpose = UPLOAD_PURPOSES[name];
  if (purpose.apps && !(purpose.apps as string[]).includes(app)) {
    throw new ApiError('VALIDATION_FAILED', `Uploads for "${name}" are not part of ${app}.`, [{
      field: 'purpose',
      message: `not available in ${app}`,
    }]);
  }
  return purpose;
}

/** A signed upload URL for a fresh, server-chosen path of this purpose, after its type and size checks. */
export async function issueUploadUrl(
  c: Context<AppEnv>,
  appId: AppId,
  purposeName: UploadPurposeName,
  contentType: string,
  size: number,
): Promise<z.infer<typeof UploadUrl>> {
  const purpose = purposeFor(appId, purposeName);
  if (!(contentType in purpose.types)) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `Files for "${purposeName}" must be one of ${Object.keys(purpose.types).join(', ')}.`,
      [
        { field: 'content_type', message: 'type not allowed' },
      ],
    );
  }
  if (size > purpose.maxBytes) {
    throw new ApiError('VALIDATION_FAILED', `Files for "${purposeName}" may be at most ${purpose.maxBytes} bytes.`, [
      { field: 'size', message: `over ${purpose.maxBytes} bytes` },
    ]);
  }
  const path = uploadPath(purpose, appId, currentUser(c).sub, contentType);
  // Signed as the user, so Storage checks this user's right to write there against the policies.
  const token = c.req.header('authorization')!.replace(/^bearer\s+/i, '');
  const client = serverClient(c.var.config.supabaseUrl, c.var.config.keys.anon ?? '', {
    Authorization: `Bearer ${token}`,
  });
  const { data, error } = await client.storage.from(purpose.bucket).createSignedUploadUrl(path);
  if (error || !data) {
    throw new ApiError('UPSTREAM_ERROR', 'Storage did not issue an upload URL.', [{
      code: 'storage',
      message: error?.message ?? 'no data',
    }]);
  }
  return { bucket: purpose.bucket, path, signed_url: data.signedUrl, token: data.token, max_bytes: purpose.maxBytes };
}
