// Server-side access to Storage for the functions (worker results, exports, account deletion): Supabase
// Storage through supabase-js with the service-role key; locally the same calls reach the Storage emulator.
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Config } from '../_shared/env.ts';
import { serverClient } from '../_shared/supabase-client.ts';
import { APP_IDS } from '../_shared/apps.ts';

export const BUCKETS = ['avatars', 'uploads', 'audio', 'results', 'exports'] as const;
export type Bucket = (typeof BUCKETS)[number];
/** Buckets laid out <app>/<user>/<kind>/<file>; the others are <user>/<file>. */
export const APP_BUCKETS = ['uploads', 'audio', 'results'] as const satisfies readonly Bucket[];

/** Where a user's objects live in each bucket (the layout the storage policies read). */
export function userFolders(userId: string): Array<{ bucket: Bucket; prefix: string }> {
  return [
    { bucket: 'avatars', prefix: userId },
    { bucket: 'exports', prefix: userId },
    ...APP_IDS.flatMap((app) => APP_BUCKETS.map((bucket) => ({ bucket, prefix: `${app}/${userId}` }))),
  ];
}

export class StorageFailure extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'StorageFailure';
  }
}

export interface ObjectStore {
  put(bucket: Bucket, path: string, bytes: Uint8Array, contentType: string, opts?: { upsert?: boolean }): Promise<void>;
  get(bucket: Bucket, path: string): Promise<Uint8Array>;
  signedDownloadUrl(
    bucket: Bucket,
    path: string,
    expiresIn: number,
    opts?: { download?: string | boolean },
  ): Promise<string>;
  /** Signed download URLs of several objects at once, in the order of paths (null where there is none). */
  signedDownloadUrls(bucket: Bucket, paths: string[], expiresIn: number): Promise<Array<string | null>>;
  exists(bucket: Bucket, path: string): Promise<boolean>;
  /** Removes these objects (missing ones are not an error). */
  remove(bucket: Bucket, paths: string[]): Promise<void>;
  /** Removes every object of the user in every bucket; returns how many. */
  removeUserObjects(userId: string): Promise<number>;
}

export function createObjectStore(config: Pick<Config, 'supabaseUrl' | 'keys'>): ObjectStore {
  if (!config.keys.serviceRole) {
    throw new Error(
      'SUPABASE_SECRET_KEYS (or the legacy SUPABASE_SERVICE_ROLE_KEY) is required for server-side storage',
    );
  }
  const client: SupabaseClient = serverClient(config.supabaseUrl, config.keys.serviceRole);
  const from = (bucket: Bucket) => client.storage.from(bucket);
  const fail = (what: string, error: { message: string; statusCode?: string }) => {
    throw new StorageFailure(`${what}: ${error.message}`, error.statusCode);
  };

  /** Every object name under a prefix, descending into folders. */
  async function names(bucket: Bucket, prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (let offset = 0;; offset += 1000) {
      const { data, error } = await from(bucket).list(prefix, {
        limit: 1000,
        offset,
        sortBy: { column: 'name', order: 'asc' },
      });
      if (error) fail(`list ${bucket}/${prefix}`, error);
      for (const entry of data ?? []) {
        const full = `${prefix}/${entry.name}`;
        if (entry.id === null) out.push(...(await names(bucket, full)));
        else out.push(full);
      }
      if (!data || data.length < 1000) return out;
    }
  }

  return {
    async put(bucket, path, bytes, contentType, opts = {}) {
      const { error } = await from(bucket).upload(path, bytes, { contentType, upsert: opts.upsert ?? false });
      if (error) fail(`upload ${bucket}/${path}`, error);
    },
    async get(bucket, path) {
      const { data, error } = await from(bucket).download(path);
      if (error || !data) throw new StorageFailure(`download ${bucket}/${path}: ${error?.message ?? 'no data'}`);
      return new Uint8Array(await data.arrayBuffer());
    },
    async signedDownloadUrl(bucket, path, expiresIn, opts = {}) {
      const { data, error } = await from(bucket).createSignedUrl(path, expiresIn, { download: opts.download });
      if (error || !data) throw new StorageFailure(`sign ${bucket}/${path}: ${error?.message ?? 'no url'}`);
      return data.signedUrl;
    },
    async signedDownloadUrls(bucket, paths, expiresIn) {
      if (paths.length === 0) return [];
      const { data, error } = await from(bucket).createSignedUrls(paths, expiresIn);
      if (error || !data) {
        throw new StorageFailure(`sign ${paths.length} objects in ${bucket}: ${error?.message ?? 'no data'}`);
      }
      const byPath = new Map(data.map((d) => [d.path, d.error ? null : d.signedUrl]));
      return paths.map((p) => byPath.get(p) ?? null);
    },
    async exists(bucket, path) {
      const slash = path.lastIndexOf('/');
      const { data, error } = await from(bucket).list(path.slice(0, Math.max(slash, 0)), {
        search: path.slice(slash + 1),
        limit: 1000,
      });
      if (error) fail(`list ${bucket}/${path}`, error);
      return (data ?? []).some((e) => e.id !== null && e.name === path.slice(slash + 1));
    },
    async remove(bucket, paths) {
      if (paths.length === 0) return;
      const { error } = await from(bucket).remove(paths);
      if (error) fail(`remove from ${bucket}`, error);
    },
    async removeUserObjects(userId) {
      let removed = 0;
      for (const { bucket, prefix } of userFolders(userId)) {
        const all = await names(bucket, prefix);
        for (let i = 0; i < all.length; i += 1000) {
          const { data, error } = await from(bucket).remove(all.slice(i, i + 1000));
          if (error) fail(`remove from ${bucket}`, error);
          removed += data?.length ?? 0;
        }
      }
      return removed;
    },
  };
}
