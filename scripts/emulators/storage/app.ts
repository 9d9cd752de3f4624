// Local emulator of the Supabase Storage API subset supabase.storage uses, served at /storage/v1 by the local
// gateway. FOR DEVELOPMENT AND TESTS ONLY: production uses Supabase Storage. Bytes live on local disk; every
// client operation reads or writes the storage.objects row under the caller's role and JWT claims, so the
// storage policies in our migrations decide, as they do on Supabase (docs/decisions.md).
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { type JSONWebKeySet, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type postgres from 'postgres';
import { jwtKeyResolver } from '../../../functions/_shared/jwt.ts';
import { badUrlResponse, E, errorResponse, StorageError } from './errors.ts';
import { ObjectFiles } from './files.ts';
import { bucketAndKey, checkBucketName, checkKey, checkNoNul, checkStorableKey, decodePath } from './keys.ts';
import { boundaryOf, parseMultipart } from './multipart.ts';

export interface StorageEmulatorDeps {
  /** A pool logged in as supabase_storage_admin (member of anon, authenticated, service_role). */
  sql: postgres.Sql;
  /** The project's JWT secret: legacy API keys are signed with it, and so are signed URLs, as Storage does. */
  jwtSecret: string;
  /** The project's JWKS: user tokens are signed with its keys. */
  jwks: JSONWebKeySet;
  /** Directory for object bytes. */
  root: string;
  /** [storage] file_size_limit of config.toml, bytes. */
  globalFileSizeLimit: number;
  /** Lifetime of signed upload URLs, seconds (hosted Supabase: 2 hours). */
  uploadUrlExpiry?: number;
}

interface Caller {
  role: string;
  sub?: string;
  claims: JWTPayload;
}

interface BucketRow {
  id: string;
  public: boolean;
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
}

/** storage.objects.metadata as Storage writes it for an upload (a trial write's row has only the first two). */
interface ObjectMetadata {
  mimetype?: string;
  contentLength?: number;
  eTag?: string;
  size?: number;
  cacheControl?: string;
  lastModified?: string;
  httpStatusCode?: number;
}

interface ObjectRow {
  id: string;
  bucket_id: string;
  name: string;
  owner: string | null;
  owner_id: string | null;
  version: string | null;
  metadata: ObjectMetadata | null;
  user_metadata: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  last_accessed_at: Date;
}

const SORT_COLUMNS = ['name', 'updated_at', 'created_at', 'last_accessed_at'] as const;
type SortColumn = (typeof SORT_COLUMNS)[number];
const isSortColumn = (column: string): column is SortColumn => (SORT_COLUMNS as readonly string[]).includes(column);

const SERVICE: Caller = { role: 'service_role', claims: { role: 'service_role' } };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE = '/storage/v1';
/** Storage refuses user metadata above this (multipart field), and keeps what it cannot parse as {}. */
const MAX_USER_METADATA = 1024 * 1024;

class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rollback');
  }
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

const hasNul = (value: unknown): boolean =>
  typeof value === 'string' ? value.includes('\0') : typeof value === 'object' && value !== null &&
    Object.entries(value).some(([k, v]) => k.includes('\0') || hasNul(v));

export function createStorageEmulator(deps: StorageEmulatorDeps) {
  const { sql } = deps;
  const secret = new TextEncoder().encode(deps.jwtSecret);
  const callers = jwtKeyResolver({ secret: deps.jwtSecret, jwks: deps.jwks });
  const files = new ObjectFiles(deps.root);
  const uploadExpiry = deps.uploadUrlExpiry ?? 7200;
  const app = new Hono().basePath(BASE);

  app.use('*', async (c, next) => {
    const { pathname, search } = new URL(c.req.url);
    if (decodePath(pathname) === undefined) return badUrlResponse(`${pathname.slice(BASE.length)}${search}`);
    await next();
    // A stored object is only ever its declared type: browsers must not sniff it into HTML or script.
    c.res.headers.set('x-content-type-options', 'nosniff');
  });

  app.onError((err, c) => {
    if (err instanceof StorageError) return errorResponse(c, err);
    const code = (err as { code?: string }).code;
    if (code === '42501') return errorResponse(c, E.rls());
    console.error('[storage emulator]', err);
    return errorResponse(c, new StorageError(500, 'Internal', 'Internal Server Error', 'InternalError'));
  });

  // --- callers and transactions --------------------------------------------------------------------------

  /** A caller's token: a user's (signed with a JWKS key) or an API key's (HS256). */
  async function verifyCaller(token: string): Promise<JWTPayload> {
    return (await jwtVerify(token, callers.key, { algorithms: callers.algorithms })).payload;
  }

  /** A signed URL's token: Storage signs those with the project's JWT secret. */
  async function verify(token: string): Promise<JWTPayload> {
    return (await jwtVerify(token, secret, { algorithms: ['HS256'] })).payload;
  }

  /** The caller behind Authorization; `optional` turns a missing or bad token into anon (downloads). */
  async function caller(c: Context, optional = false): Promise<Caller> {
    const header = c.req.header('authorization');
    if (!header) {
      if (optional) return { role: 'anon', claims: { role: 'anon' } };
      throw E.invalidRequest("headers must have required property 'authorization'");
    }
    try {
      const claims = await verifyCaller(header.replace(/^bearer\s+/i, ''));
      return {
        role: String(claims.role ?? 'anon'),
        sub: typeof claims.sub === 'string' ? claims.sub : undefined,
        claims,
      };
    } catch (err) {
      if (optional) return { role: 'anon', claims: { role: 'anon' } };
      throw E.badJwt((err as Error).message);
    }
  }

  /** One transaction as the caller, set up the way Storage sets it (role, claims, operation). */
  function as<T>(who: Caller, operation: string, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
    return sql.begin(async (tx) => {
      await tx`select set_config('role', ${who.role}, true),
                      set_config('request.jwt.claims', ${JSON.stringify(who.claims)}, true),
                      set_config('request.jwt.claim.sub', ${who.sub ?? ''}, true),
                      set_config('request.jwt.claim.role', ${who.role}, true),
                      set_config('storage.operation', ${operation}, true),
                      set_config('storage.allow_delete_query', 'true', true)`;
      return fn(tx);
    }) as Promise<T>;
  }

  /** Runs fn as the caller and rolls back: the permission trial Storage makes before the real write. */
  async function trial(who: Caller, operation: string, fn: (tx: postgres.TransactionSql) => Promise<unknown>) {
    try {
      await as(who, operation, async (tx) => {
        await fn(tx);
        throw new Rollback(null);
      });
    } catch (err) {
      if (err instanceof Rollback) return;
      const code = (err as { code?: string }).code;
      if (code === '42501') throw E.rls();
      if (code === '23505') throw E.duplicate();
      throw err;
    }
  }

  async function bucket(id: string): Promise<BucketRow> {
    const [row] = await as(SERVICE, 'storage.bucket.get', (tx) =>
      tx<BucketRow[]>`
      select id, public, file_size_limit, allowed_mime_types from storage.buckets where id = ${id}`);
    if (!row) throw E.noSuchBucket();
    return row;
  }

  const maxSize = (b: BucketRow) => Math.min(Number(b.file_size_limit ?? Infinity), deps.globalFileSizeLimit);

  function checkMime(b: BucketRow, mime: string) {
    const allowed = b.allowed_mime_types;
    if (!allowed || allowed.length === 0) return;
    const [type, subtype] = mime.split('/');
    if (!subtype) throw E.mime(mime);
    if (!allowed.some((a) => a === mime || a === `${type}/*`)) throw E.mime(mime);
  }

  // --- uploads --------------------------------------------------------------------------------------------

  interface Upload {
    bytes: Uint8Array;
    mimetype: string;
    cacheControl: string;
    userMetadata: Record<string, unknown>;
  }

  async function readUpload(c: Context, b: BucketRow, name: string): Promise<Upload> {
    const type = c.req.header('content-type') ?? '';
    const limit = maxSize(b);
    if (type.startsWith('multipart/form-data')) {
      const boundary = boundaryOf(type);
      if (!boundary) throw E.invalidRequest('Invalid multipart body');
      const parts = parseMultipart(new Uint8Array(await c.req.arrayBuffer()), boundary);
      const field = (name: string) => {
        const part = parts.find((p) => p.name === name && p.filename === undefined);
        return part ? new TextDecoder().decode(part.data) : undefined;
      };
      const file = parts.find((p) => p.filename !== undefined) ?? parts.find((p) => p.name === '');
      if (!file) throw E.invalidRequest('No file in the form data');
      const mimetype = field('contentType') ?? file.contentType ?? 'application/octet-stream';
      if (!name.endsWith('.emptyFolderPlaceholder')) checkMime(b, mimetype);
      if (file.data.byteLength > limit) throw E.tooLarge();
      const metadata = field('metadata') ?? field('userMetadata');
      if (metadata !== undefined && new TextEncoder().encode(metadata).byteLength > MAX_USER_METADATA) {
        throw E.tooLarge('user_metadata');
      }
      return {
        bytes: file.data.slice(),
        mimetype,
        cacheControl: `max-age=${field('cacheControl') ?? '3600'}`,
        userMetadata: userMetadata(metadata),
      };
    }
    const mimetype = type || 'application/octet-stream';
    if (!name.endsWith('.emptyFolderPlaceholder')) checkMime(b, mimetype);
    if (Number(c.req.header('content-length') ?? 0) > limit) throw E.tooLarge();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > limit) throw E.tooLarge();
    const meta = c.req.header('x-metadata');
    return {
      bytes,
      mimetype,
      cacheControl: c.req.header('cache-control') ?? 'no-cache',
      userMetadata: userMetadata(meta === undefined ? undefined : fromBase64(meta)),
    };
  }

  /**
   * The x-metadata header's text. Storage (on Node) decodes it leniently, skipping what is not base64, and keeps
   * what does not parse as {}; Deno's Buffer throws on such input instead, so that is read as nothing.
   */
  function fromBase64(value: string): string | undefined {
    try {
      return Buffer.from(value, 'base64').toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** user_metadata as Storage keeps it: JSON it cannot parse is dropped, and the stored value is always an object. */
  function userMetadata(json: string | undefined): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = json === undefined ? undefined : JSON.parse(json);
    } catch {
      parsed = undefined;
    }
    const kept = { ...(parsed as object | undefined) } as Record<string, unknown>;
    // jsonb cannot hold a NUL: refused here rather than failing in Postgres.
    if (hasNul(kept)) throw E.invalidRequest('metadata must not contain NUL characters');
    return kept;
  }

  /** The permission trial of a write, as the caller: a plain insert, or Storage's upsert statement. */
  function trialWrite(
    who: Caller,
    bucketId: string,
    name: string,
    upsert: boolean,
    upload: Pick<Upload, 'mimetype' | 'userMetadata'> & { size: number },
  ) {
    const owner = who.sub && UUID.test(who.sub) ? who.sub : null;
    const metadata = { mimetype: upload.mimetype, contentLength: upload.size };
    return trial(
      who,
      'storage.object.upload',
      (tx) => {
        const meta = tx.json(metadata);
        const userMeta = tx.json(upload.userMetadata as never);
        return upsert
          ? tx`insert into storage.objects (bucket_id, name, owner, owner_id, version, metadata, user_metadata)
               values (${bucketId}, ${name}, ${owner}, ${who.sub ?? null}, '1', ${meta}, ${userMeta})
               on conflict (name, bucket_id) do update set version = '1', owner = excluded.owner,
                 owner_id = excluded.owner_id, metadata = excluded.metadata, user_metadata = excluded.user_metadata
               returning *`
          : tx`insert into storage.objects (bucket_id, name, owner, owner_id, version, metadata, user_metadata)
               values (${bucketId}, ${name}, ${owner}, ${who.sub ?? null}, '1', ${meta}, ${userMeta})`;
      },
    );
  }

  /** The real write, as service_role once the caller passed: bytes first, then the row, then old bytes go. */
  async function store(bucketId: string, name: string, upload: Upload, opts: { upsert: boolean; ownerSub?: string }) {
    checkStorableKey(bucketId, name);
    const version = crypto.randomUUID();
    await files.write(bucketId, version, upload.bytes);
    const metadata = {
      eTag: `"${createHash('md5').update(upload.bytes).digest('hex')}"`,
      size: upload.bytes.byteLength,
      mimetype: upload.mimetype,
      cacheControl: upload.cacheControl,
      lastModified: new Date().toISOString(),
      contentLength: upload.bytes.byteLength,
      httpStatusCode: 200,
    };
    const owner = opts.ownerSub && UUID.test(opts.ownerSub) ? opts.ownerSub : null;
    try {
      const { row, previous } = await as(SERVICE, 'storage.object.upload', async (tx) => {
        const [old] = await tx<
          ObjectRow[]
        >`select * from storage.objects where bucket_id = ${bucketId} and name = ${name} for update`;
        if (old && !opts.upsert) throw E.duplicate();
        const [written] = old
          ? await tx<ObjectRow[]>`
              update storage.objects set version = ${version}, metadata = ${tx.json(metadata)}, user_metadata = ${
            tx.json(upload.userMetadata as never)
          },
                     owner = coalesce(${owner}::uuid, owner), owner_id = coalesce(${
            opts.ownerSub ?? null
          }, owner_id), last_accessed_at = now()
               where id = ${old.id} returning *`
          : await tx<ObjectRow[]>`
              insert into storage.objects (bucket_id, name, owner, owner_id, version, metadata, user_metadata)
              values (${bucketId}, ${name}, ${owner}, ${opts.ownerSub ?? null}, ${version}, ${tx.json(metadata)}, ${
            tx.json(upload.userMetadata as never)
          })
              returning *`;
        return { row: written, previous: old?.version };
      });
      await files.remove(bucketId, previous);
      return row;
    } catch (err) {
      await files.remove(bucketId, version);
      throw err;
    }
  }

  async function upload(c: Context, bucketId: string, name: string, upsert: boolean) {
    const who = await caller(c);
    const b = await bucket(bucketId);
    const body = await readUpload(c, b, name);
    checkKey(name);
    await trialWrite(who, bucketId, name, upsert, { ...body, size: body.bytes.byteLength });
    const row = await store(bucketId, name, body, { upsert, ownerSub: who.sub });
    return c.json({ Id: row.id, Key: `${bucketId}/${name}` });
  }

  // --- reads ----------------------------------------------------------------------------------------------

  async function serve(c: Context, row: ObjectRow, extra: Record<string, string> = {}) {
    const bytes = await files.read(row.bucket_id, row.version ?? '');
    const meta = row.metadata ?? {};
    const mimetype: string = meta.mimetype ?? 'application/octet-stream';
    const headers: Record<string, string> = {
      // As Storage does: HTML is never served as HTML.
      'content-type': mimetype.includes('text/html') ? 'text/plain' : mimetype,
      'content-length': String(bytes.byteLength),
      etag: meta.eTag ?? '',
      'last-modified': new Date(row.updated_at).toUTCString(),
      'accept-ranges': 'bytes',
      'x-robots-tag': 'none',
      'cache-control': meta.cacheControl ?? 'no-cache',
      ...extra,
    };
    const download = c.req.query('download');
    if (download !== undefined) {
      const encoded = encodeURIComponent(download);
      headers['content-disposition'] = download
        ? `attachment; filename=${encoded}; filename*=UTF-8''${encoded}`
        : 'attachment;';
    }
    if (c.req.header('if-none-match') && c.req.header('if-none-match') === meta.eTag) return c.body(null, 304, headers);
    if (c.req.method === 'HEAD') return c.body(null, 200, headers);
    return c.body(bytes, 200, headers);
  }

  /** The object's row as this caller may see it; Storage checks the key on every such lookup. */
  async function objectAs(who: Caller, bucketId: string, name: string): Promise<ObjectRow> {
    checkKey(name);
    const [row] = await as(who, 'storage.object.get', (tx) =>
      tx<ObjectRow[]>`
      select * from storage.objects where bucket_id = ${bucketId} and name = ${name}`);
    if (!row) throw E.noSuchKey();
    return row;
  }

  async function authenticatedRead(c: Context, bucketId: string, name: string) {
    const who = await caller(c, true);
    const b = await bucket(bucketId).catch(() => undefined);
    if (!b || (!b.public && who.role === 'anon' && !who.sub && !c.req.header('authorization'))) throw E.noSuchBucket();
    const row = await objectAs(b.public ? SERVICE : who, bucketId, name);
    return serve(c, row);
  }

  // --- signed URLs ----------------------------------------------------------------------------------------

  function signToken(claims: JWTPayload, expiresIn: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now).setExpirationTime(
      now + expiresIn,
    ).sign(secret);
  }

  function expiresIn(value: unknown): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw E.invalidParameter('expiresIn');
    return value;
  }

  async function verifySigned(c: Context, bucketId: string, name: string, scope: 'download' | 'upload') {
    const token = c.req.query('token');
    if (!token) throw E.invalidRequest("querystring must have required property 'token'");
    let claims: JWTPayload;
    try {
      claims = await verify(token);
    } catch (err) {
      throw E.invalidJwt((err as Error).message);
    }
    const tokenScope = claims.scope ?? ('upsert' in claims ? 'upload' : 'download');
    if (tokenScope !== scope) throw E.invalidSignature(`Token is not scoped for ${scope}`);
    if (claims.url !== `${bucketId}/${name}`) throw E.invalidSignature();
    return claims;
  }

  // --- routes ---------------------------------------------------------------------------------------------

  /** The bucket and key a route addresses, read from the raw path after the route's prefix (e.g. "/object/sign"). */
  const target = (c: Context, prefix: string) =>
    bucketAndKey(new URL(c.req.url).pathname.slice(BASE.length + prefix.length));
  /** A bucket named by a route parameter (list, batch sign, remove). */
  function bucketParam(c: Context): string {
    const id = c.req.param('bucket') ?? '';
    checkBucketName(id);
    return id;
  }

  app.post('/object/list/:bucket', async (c) => {
    const who = await caller(c);
    const bucketId = bucketParam(c);
    const body = (await c.req.json().catch(() => ({}))) as {
      prefix?: unknown;
      limit?: number;
      offset?: number;
      search?: unknown;
      sortBy?: { column?: string; order?: string };
    };
    for (const field of ['prefix', 'search'] as const) {
      if (body[field] !== undefined && typeof body[field] !== 'string') {
        throw E.invalidRequest(`body/${field} must be string`);
      }
      checkNoNul(String(body[field] ?? ''));
    }
    const limit = Math.min(Math.max(Number(body.limit ?? 100), 1), 1500);
    const offset = Math.max(Number(body.offset ?? 0), 0);
    const column = body.sortBy?.column ?? 'name';
    const order = (body.sortBy?.order ?? 'asc').toLowerCase();
    if (!isSortColumn(column) || !['asc', 'desc'].includes(order)) {
      throw E.invalidRequest('Invalid sortBy');
    }
    const prefix = body.prefix ? `${(body.prefix as string).replace(/\/+$/, '')}/` : '';
    const start = `${prefix}${body.search ?? ''}`.toLowerCase();
    const rows = await as(who, 'storage.object.list', (tx) =>
      tx<ObjectRow[]>`
      select * from storage.objects where bucket_id = ${bucketId} and lower(name) like ${
        start.replace(/[\\%_]/g, '\\$&') + '%'
      }`);
    /** A list entry: a file, or a folder (its name, the rest null). */
    type Entry = {
      name: string;
      id: string | null;
      updated_at: string | null;
      created_at: string | null;
      last_accessed_at: string | null;
      metadata: ObjectMetadata | null;
    };
    const folders = new Map<string, Entry>();
    const filesOut: Entry[] = [];
    for (const r of rows) {
      const rest = r.name.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) {
        const folder = rest.slice(0, slash);
        folders.set(folder, {
          name: folder,
          id: null,
          updated_at: null,
          created_at: null,
          last_accessed_at: null,
          metadata: null,
        });
      } else {
        filesOut.push({
          name: rest,
          id: r.id,
          updated_at: iso(r.updated_at),
          created_at: iso(r.created_at),
          last_accessed_at: iso(r.last_accessed_at),
          metadata: r.metadata,
        });
      }
    }
    const dir = order === 'asc' ? 1 : -1;
    const compare = (x: string, y: string) => (x < y ? -dir : x > y ? dir : 0);
    const byName = (a: Entry, b: Entry) => compare(a.name.toLowerCase(), b.name.toLowerCase());
    const entries = column === 'name' ? [...folders.values(), ...filesOut].sort(byName) : [
      ...[...folders.values()].sort(byName),
      // Files only: every one has its times.
      ...filesOut.sort((a, b) => compare(a[column] ?? '', b[column] ?? '')),
    ];
    return c.json(entries.slice(offset, offset + limit));
  });

  app.post('/object/sign/:bucket{[^/]+}', async (c) => {
    const who = await caller(c);
    const bucketId = bucketParam(c);
    const body = (await c.req.json().catch(() => ({}))) as { expiresIn?: unknown; paths?: unknown };
    const ttl = expiresIn(body.expiresIn);
    if (!Array.isArray(body.paths) || body.paths.length < 1 || body.paths.length > 1000) {
      throw E.invalidRequest('paths must contain 1 to 1000 items');
    }
    const paths = body.paths.map(String);
    paths.forEach(checkNoNul);
    const visible = new Set(
      (await as(who, 'storage.object.sign', (tx) =>
        tx<{ name: string }[]>`
        select name from storage.objects where bucket_id = ${bucketId} and name = any(${paths})`)).map((r) => r.name),
    );
    const out = [];
    for (const path of paths) {
      out.push(
        visible.has(path)
          ? {
            error: null,
            path,
            signedURL: `/object/sign/${bucketId}/${path}?token=${await signToken({
              url: `${bucketId}/${path}`,
              scope: 'download',
            }, ttl)}`,
          }
          : { error: 'Either the object does not exist or you do not have access to it', path, signedURL: null },
      );
    }
    return c.json(out);
  });

  app.post('/object/sign/*', async (c) => {
    const [bucketId, name] = target(c, '/object/sign');
    const who = await caller(c);
    const ttl = expiresIn(((await c.req.json().catch(() => ({}))) as { expiresIn?: unknown }).expiresIn);
    await objectAs(who, bucketId, name);
    const token = await signToken({ url: `${bucketId}/${name}`, scope: 'download' }, ttl);
    return c.json({ signedURL: `/object/sign/${bucketId}/${name}?token=${token}` });
  });

  app.get('/object/sign/*', async (c) => {
    const [bucketId, name] = target(c, '/object/sign');
    const claims = await verifySigned(c, bucketId, name, 'download');
    const row = await objectAs(SERVICE, bucketId, name);
    return serve(c, row, { expires: new Date(Number(claims.exp) * 1000).toUTCString() });
  });

  app.post('/object/upload/sign/*', async (c) => {
    const [bucketId, name] = target(c, '/object/upload/sign');
    const who = await caller(c);
    await bucket(bucketId);
    checkKey(name);
    const upsert = c.req.header('x-upsert') === 'true';
    await trialWrite(who, bucketId, name, upsert, { mimetype: 'application/octet-stream', userMetadata: {}, size: 0 });
    const token = await signToken({
      ...(who.sub ? { owner: who.sub } : {}),
      url: `${bucketId}/${name}`,
      upsert,
      scope: 'upload',
    }, uploadExpiry);
    return c.json({ url: `/object/upload/sign/${bucketId}/${name}?token=${token}`, token });
  });

  app.put('/object/upload/sign/*', async (c) => {
    const [bucketId, name] = target(c, '/object/upload/sign');
    const claims = await verifySigned(c, bucketId, name, 'upload');
    const b = await bucket(bucketId);
    const body = await readUpload(c, b, name);
    checkKey(name);
    await store(bucketId, name, body, {
      upsert: claims.upsert === true,
      ownerSub: typeof claims.owner === 'string' ? claims.owner : undefined,
    });
    return c.json({ Key: `${bucketId}/${name}` });
  });

  app.get('/object/public/*', async (c) => {
    const [bucketId, name] = target(c, '/object/public');
    const b = await bucket(bucketId);
    if (!b.public) throw E.noSuchBucket();
    return serve(c, await objectAs(SERVICE, bucketId, name));
  });

  app.get('/object/info/*', async (c) => {
    const [bucketId, name] = target(c, '/object/info');
    const row = await objectAs(await caller(c), bucketId, name);
    return c.json({
      id: row.id,
      name: row.name,
      version: row.version,
      bucket_id: row.bucket_id,
      size: row.metadata?.size,
      content_type: row.metadata?.mimetype,
      cache_control: row.metadata?.cacheControl,
      etag: row.metadata?.eTag,
      metadata: row.user_metadata,
      created_at: iso(row.created_at),
      last_modified: iso(row.updated_at),
    });
  });

  app.delete('/object/:bucket{[^/]+}', async (c) => {
    const who = await caller(c);
    const bucketId = bucketParam(c);
    const body = (await c.req.json().catch(() => ({}))) as { prefixes?: unknown };
    if (!Array.isArray(body.prefixes) || body.prefixes.length < 1 || body.prefixes.length > 1000) {
      throw E.invalidRequest('prefixes must contain 1 to 1000 items');
    }
    const names = body.prefixes.map(String);
    names.forEach(checkNoNul);
    const rows = await as(who, 'storage.object.delete_many', (tx) =>
      tx<ObjectRow[]>`
      delete from storage.objects where bucket_id = ${bucketId} and name = any(${names}) returning *`);
    for (const r of rows) await files.remove(r.bucket_id, r.version);
    return c.json(rows.map((r) => ({
      name: r.name,
      bucket_id: r.bucket_id,
      owner: r.owner ?? '',
      owner_id: r.owner_id ?? '',
      version: r.version,
      id: r.id,
      created_at: iso(r.created_at),
      updated_at: iso(r.updated_at),
      last_accessed_at: iso(r.last_accessed_at),
      metadata: r.metadata,
      user_metadata: r.user_metadata,
    })));
  });

  app.post('/object/*', (c) => {
    const [bucketId, name] = target(c, '/object');
    return upload(c, bucketId, name, c.req.header('x-upsert') === 'true');
  });
  app.put('/object/*', (c) => {
    const [bucketId, name] = target(c, '/object');
    return upload(c, bucketId, name, true);
  });
  app.on(['GET', 'HEAD'], '/object/*', (c) => {
    const [bucketId, name] = target(c, '/object');
    return authenticatedRead(c, bucketId, name);
  });

  app.notFound((c) =>
    errorResponse(
      c,
      new StorageError(404, 'Not Found', 'This path is not part of the local Storage emulator', 'NotFound'),
    )
  );
  return app;
}
