// The files API (signed upload and download URLs chosen by the server) and the server-side storage adapter.
import { describe, expect, it } from 'vitest';
import { createObjectStore } from '../../functions/_files/storage.ts';
import { UPLOAD_PURPOSES } from '../../functions/_files/upload-purposes.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { functionKeysEnv, stackEnv } from '../helpers/stack.ts';
import { anonClient } from '../helpers/auth.ts';
import { expectStorageResponse, StorageRefusals } from '../helpers/storage.ts';

async function signedUp() {
  const email = `fa-${crypto.randomUUID().slice(0, 10)}@example.com`;
  const { data } = await anonClient().auth.signUp({ email, password: 'correct horse' });
  return { id: data.user!.id, token: data.session!.access_token };
}

function store() {
  const { apiUrl, dbUrl } = stackEnv();
  return createObjectStore(loadConfig({ SUPABASE_URL: apiUrl, SUPABASE_DB_URL: dbUrl, ...functionKeysEnv() }));
}

describe('POST /{app}/files/upload-url', () => {
  it("issues a URL for a server-chosen path in the caller's folder, which then uploads", async () => {
    const user = await signedUp();
    const res = await call('POST', '/pickitchen/files/upload-url', {
      token: user.token,
      json: { purpose: 'emoji_source', content_type: 'image/png', size: 2048 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ bucket: 'uploads', max_bytes: 10 * 1024 * 1024 });
    expect(res.body.path).toMatch(new RegExp(`^pickitchen/${user.id}/sources/[0-9a-f-]{36}\\.png$`));
    const put = await fetch(res.body.signed_url, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: 'photo',
    });
    expect(put.status).toBe(200);

    const download = await call('GET', `/pickitchen/files/uploads/${res.body.path}`, { token: user.token });
    expect(download.status).toBe(200);
    expect(download.body.expires_in).toBe(300);
    expect(await (await fetch(download.body.url)).text()).toBe('photo');
  });

  it('puts avatars at <user>/<file> for every app', async () => {
    const user = await signedUp();
    const res = await call('POST', '/quit/files/upload-url', {
      token: user.token,
      json: { purpose: 'avatar', content_type: 'image/jpeg', size: 10 },
    });
    expect(res.body.path).toMatch(new RegExp(`^${user.id}/[0-9a-f-]{36}\\.jpg$`));
  });

  it("gives each purpose a bucket with the purpose's size limit and only its purposes' types", async () => {
    // A signed upload URL carries no size or type: the bucket's limits are all Supabase Storage holds its bytes to.
    // A purpose narrower in type than its bucket (emoji sources take no heic) is held by its consumers' check.
    const purposes = Object.values(UPLOAD_PURPOSES);
    const buckets = await adminSql()`
      select id, file_size_limit::int as max, allowed_mime_types as types from storage.buckets
       where id = any(${purposes.map((p) => p.bucket)})`;
    const byId = new Map(buckets.map((b) => [b.id as string, b]));
    for (const [name, purpose] of Object.entries(UPLOAD_PURPOSES)) {
      expect(byId.get(purpose.bucket)?.max, name).toBe(purpose.maxBytes);
    }
    for (const bucket of buckets) {
      const types = purposes.filter((p) => p.bucket === bucket.id).flatMap((p) => Object.keys(p.types));
      expect([...bucket.types].sort(), bucket.id).toEqual([...new Set(types)].sort());
    }
  });

  it('puts voice messages in the audio bucket, where an image is refused', async () => {
    const user = await signedUp();
    const res = await call('POST', '/companion/files/upload-url', {
      token: user.token,
      json: { purpose: 'voice_message', content_type: 'audio/mpeg', size: 5 },
    });
    expect(res.body).toMatchObject({ bucket: 'audio', max_bytes: 20 * 1024 * 1024 });
    expect(res.body.path).toMatch(new RegExp(`^companion/${user.id}/voice/[0-9a-f-]{36}\\.mp3$`));
    const image = await fetch(res.body.signed_url, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: 'photo',
    });
    await expectStorageResponse(image, StorageRefusals.mimeType('image/png'));
    expect(
      (await fetch(res.body.signed_url, { method: 'PUT', headers: { 'content-type': 'audio/mpeg' }, body: 'voice' }))
        .status,
    ).toBe(200);
    const download = await call('GET', `/companion/files/audio/${res.body.path}`, { token: user.token });
    expect(await (await fetch(download.body.url)).text()).toBe('voice');
  });

  it('refuses unknown purposes, purposes of other apps, disallowed types and oversized files with 400', async () => {
    const user = await signedUp();
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['/diary/files/upload-url', { purpose: 'malware', content_type: 'image/png', size: 1 }, 'purpose'],
      ['/diary/files/upload-url', { purpose: 'emoji_source', content_type: 'image/png', size: 1 }, 'purpose'],
      [
        '/diary/files/upload-url',
        { purpose: 'diary_image', content_type: 'application/x-msdownload', size: 1 },
        'content_type',
      ],
      ['/companion/files/upload-url', {
        purpose: 'voice_message',
        content_type: 'audio/mpeg',
        size: 20 * 1024 * 1024 + 1,
      }, 'size'],
      ['/diary/files/upload-url', { purpose: 'diary_image', content_type: 'image/png', size: 0 }, 'size'],
    ];
    for (const [path, json, field] of cases) {
      const res = await call('POST', path, { token: user.token, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(envelope(res).details.map((d) => d.field)).toContain(field);
    }
  });
});

describe('GET /{app}/files/{bucket}/{path}', () => {
  it("signs only the caller's own files, in this app", async () => {
    const owner = await signedUp();
    const other = await signedUp();
    const issued = await call('POST', '/diary/files/upload-url', {
      token: owner.token,
      json: { purpose: 'diary_image', content_type: 'image/jpeg', size: 3 },
    });
    await fetch(issued.body.signed_url, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: 'img' });

    expect((await call('GET', `/diary/files/uploads/${issued.body.path}`, { token: other.token })).status).toBe(404);
    expect((await call('GET', `/coach/files/uploads/${issued.body.path}`, { token: owner.token })).status).toBe(404);
    expect(
      (await call('GET', `/diary/files/uploads/diary/${owner.id}/images/missing.jpg`, { token: owner.token })).status,
    ).toBe(404);
    expect((await call('GET', `/diary/files/nope/${issued.body.path}`, { token: owner.token })).status).toBe(404);
    expect((await call('GET', `/diary/files/uploads/${issued.body.path}`)).status).toBe(401);
  });
});

describe('server-side storage', () => {
  it('a backend write is readable by its owner only', async () => {
    const owner = await signedUp();
    const other = await signedUp();
    const path = `pickitchen/${owner.id}/results/${crypto.randomUUID()}.mp4`;
    await store().put('results', path, new TextEncoder().encode('video'), 'video/mp4');

    const mine = await call('GET', `/pickitchen/files/results/${path}`, { token: owner.token });
    expect(mine.status).toBe(200);
    expect(await (await fetch(mine.body.url)).text()).toBe('video');
    expect((await call('GET', `/pickitchen/files/results/${path}`, { token: other.token })).status).toBe(404);
    const [row] = await adminSql()`
      select metadata ->> 'mimetype' as type from storage.objects where bucket_id = 'results' and name = ${path}`;
    expect(row.type).toBe('video/mp4');
  });

  it('exports are handed out through signed URLs only', async () => {
    const owner = await signedUp();
    const path = `${owner.id}/export-${crypto.randomUUID()}.zip`;
    await store().put('exports', path, new TextEncoder().encode('zip'), 'application/zip');
    const signed = await call('GET', `/coach/files/exports/${path}`, { token: owner.token });
    expect(await (await fetch(signed.body.url)).text()).toBe('zip');
  });

  it("removes every object of a deleted user, bytes included, and nobody else's", async () => {
    const gone = await signedUp();
    const stays = await signedUp();
    const s = store();
    await s.put('avatars', `${gone.id}/a.png`, new Uint8Array([1]), 'image/png');
    await s.put('uploads', `diary/${gone.id}/images/deep/b.jpg`, new Uint8Array([2]), 'image/jpeg');
    await s.put('results', `pickitchen/${gone.id}/results/c.mp4`, new Uint8Array([3]), 'video/mp4');
    await s.put('exports', `${gone.id}/d.zip`, new Uint8Array([4]), 'application/zip');
    await s.put('audio', `companion/${gone.id}/voice/e.mp3`, new Uint8Array([6]), 'audio/mpeg');
    await s.put('avatars', `${stays.id}/a.png`, new Uint8Array([5]), 'image/png');

    expect(await s.removeUserObjects(gone.id)).toBe(5);
    const left = await adminSql()`select bucket_id, name from storage.objects where name like ${`%${gone.id}%`}`;
    expect(left).toEqual([]);
    expect(await s.exists('avatars', `${stays.id}/a.png`)).toBe(true);
    await expect(s.get('avatars', `${gone.id}/a.png`)).rejects.toThrow();
  });
});
