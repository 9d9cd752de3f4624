// What apps may upload, where it goes and how big it may be. The server picks every path: the owner's id is
// in it where the storage policies look for it (see the storage buckets migration). A signed upload URL carries
// none of these rules, so each purpose's bucket has them as its own limits (a test holds the two together), and
// whoever uses an uploaded file checks what was stored (upload-check.ts).
import type { AppId } from '../_shared/apps.ts';
import type { Bucket } from './storage.ts';

const MB = 1024 * 1024;
const IMAGES = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/heic': 'heic' } as const;
const PHOTOS = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;
const AUDIO = {
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'audio/wav': 'wav',
  'audio/webm': 'webm',
  'audio/ogg': 'ogg',
} as const;

export interface UploadPurpose {
  /** Apps that may use it; undefined = every app. */
  apps?: AppId[];
  bucket: Extract<Bucket, 'avatars' | 'uploads' | 'audio'>;
  /** The folder below <app>/<user> in app buckets (unused for avatars). */
  kind: string;
  /** Allowed content types and the file extension each gets. */
  types: Record<string, string>;
  maxBytes: number;
}

export const UPLOAD_PURPOSES = {
  avatar: { bucket: 'avatars', kind: 'avatar', types: IMAGES, maxBytes: 10 * MB },
  diary_image: { apps: ['diary'], bucket: 'uploads', kind: 'images', types: IMAGES, maxBytes: 10 * MB },
  meal_photo: { apps: ['coach'], bucket: 'uploads', kind: 'meals', types: IMAGES, maxBytes: 10 * MB },
  emoji_source: { apps: ['pickitchen'], bucket: 'uploads', kind: 'sources', types: PHOTOS, maxBytes: 10 * MB },
  voice_message: { apps: ['companion'], bucket: 'audio', kind: 'voice', types: AUDIO, maxBytes: 20 * MB },
} as const satisfies Record<string, UploadPurpose>;

export type UploadPurposeName = keyof typeof UPLOAD_PURPOSES;
export const UPLOAD_PURPOSE_NAMES = Object.keys(UPLOAD_PURPOSES) as [UploadPurposeName, ...UploadPurposeName[]];

/** The folder this user's uploads for the purpose go to (with its trailing slash). */
export function uploadFolder(purpose: UploadPurpose, app: AppId, userId: string): string {
  return purpose.bucket === 'avatars' ? `${userId}/` : `${app}/${userId}/${purpose.kind}/`;
}

/** A fresh object path for this user's upload. */
export function uploadPath(purpose: UploadPurpose, app: AppId, userId: string, contentType: string): string {
  return `${uploadFolder(purpose, app, userId)}${crypto.randomUUID()}.${purpose.types[contentType]}`;
}
