// supabase.storage against the local Storage emulator: the storage policies decide, limits hold, signed URLs
// expire and cannot be forged.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { anonClient, sessionClient } from '../helpers/auth.ts';
import { expectStorageRefusal, expectStorageResponse, StorageRefusals } from '../helpers/storage.ts';
import { Buffer } from 'node:buffer';

interface Person {
  id: string;
  client: SupabaseClient;
}

async function person(): Promise<Person> {
  const email = `st-${crypto.randomUUID().slice(0, 10)}@example.com`;
  const { data } = await anonClient().auth.signUp({ email, password: 'correct horse' });
  return { id: data.user!.id, client: await sessionClient(data.session!) };
}

const png = (text: string) => Buffer.from(text);

describe('storage through supabase-js', () => {
  let alice: Person;
  let bob: Person;
  beforeAll(async () => {
    [alice, bob] = [await person(), await person()];
  });

  it('lets the owner upload, read, list, replace and delete their own files', async () => {
    const path = `diary/${alice.id}/images/one.jpg`;
    const up = await alice.client.storage.from('uploads').upload(path, png('v1'), { contentType: 'image/jpeg' });
    expect(up.error).toBeNull();
    expect(up.data).toMatchObject({ path, fullPath: `uploads/${path}` });
    expect(
      Buffer.from(await (await alice.client.storage.from('uploads').download(path)).data!.arrayBuffer()).toString(),
    ).toBe('v1');

    const again = await alice.client.storage.from('uploads').upload(path, png('v2'), { contentType: 'image/jpeg' });
    expectStorageRefusal(again, StorageRefusals.duplicate);
    expect(
      (await alice.client.storage.from('uploads').upload(path, png('v2'), { contentType: 'image/jpeg', upsert: true }))
        .error,
    ).toBeNull();
    expect(
      Buffer.from(await (await alice.client.storage.from('uploads').download(path)).data!.arrayBuffer()).toString(),
    ).toBe('v2');

    const list = await alice.client.storage.from('uploads').list(`diary/${alice.id}/images`);
    expect(list.data?.map((f) => f.name)).toEqual(['one.jpg']);
    const folders = await alice.client.storage.from('uploads').list(`diary/${alice.id}`);
    expect(folders.data).toEqual([expect.objectContaining({ name: 'images', id: null })]);

    const removed = await alice.client.storage.from('uploads').remove([path]);
    expect(removed.data?.map((r) => r.name)).toEqual([path]);
    expectStorageRefusal(await alice.client.storage.from('uploads').download(path), StorageRefusals.objectNotFound);
  });

  it("stores the object's owner, size, type and checksum", async () => {
    const path = `${alice.id}/face.png`;
    await alice.client.storage.from('avatars').upload(path, png('face'), { contentType: 'image/png', upsert: true });
    const [row] =
      await adminSql()`select owner_id, metadata from storage.objects where bucket_id = 'avatars' and name = ${path}`;
    expect(row.owner_id).toBe(alice.id);
    expect(row.metadata).toMatchObject({
      size: 4,
      mimetype: 'image/png',
      eTag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
    });
  });

  it("refuses every attempt on someone else's files", async () => {
    const path = `diary/${alice.id}/images/private.jpg`;
    await alice.client.storage.from('uploads').upload(path, png('secret'), { contentType: 'image/jpeg' });

    expectStorageRefusal(await bob.client.storage.from('uploads').download(path), StorageRefusals.objectNotFound);
    const overwrite = await bob.client.storage.from('uploads').upload(path, png('pwned'), {
      contentType: 'image/jpeg',
      upsert: true,
    });
    expectStorageRefusal(overwrite, StorageRefusals.rowLevelSecurity);
    expectStorageRefusal(
      await bob.client.storage.from('uploads').update(path, png('pwned'), { contentType: 'image/jpeg' }),
      StorageRefusals.rowLevelSecurity,
    );
    expect((await bob.client.storage.from('uploads').list(`diary/${alice.id}/images`)).data).toEqual([]);
    expect((await bob.client.storage.from('uploads').remove([path])).data).toEqual([]);
    expectStorageRefusal(
      await bob.client.storage.from('uploads').createSignedUrl(path, 60),
      StorageRefusals.objectNotFound,
    );
    const plant = await bob.client.storage.from('uploads').upload(`diary/${alice.id}/images/planted.jpg`, png('x'), {
      contentType: 'image/jpeg',
    });
    expectStorageRefusal(plant, StorageRefusals.rowLevelSecurity);
    // Nothing changed.
    expect(
      Buffer.from(await (await alice.client.storage.from('uploads').download(path)).data!.arrayBuffer()).toString(),
    ).toBe('secret');
  });

  it('gives anon only the public avatars bucket', async () => {
    await alice.client.storage.from('avatars').upload(`${alice.id}/pub.png`, png('public'), {
      contentType: 'image/png',
      upsert: true,
    });
    const anon = anonClient();
    const url = anon.storage.from('avatars').getPublicUrl(`${alice.id}/pub.png`).data.publicUrl;
    expect(await (await fetch(url)).text()).toBe('public');
    expect((await anon.storage.from('avatars').download(`${alice.id}/pub.png`)).error).toBeNull();
    const path = `diary/${alice.id}/images/anon.jpg`;
    await alice.client.storage.from('uploads').upload(path, png('x'), { contentType: 'image/jpeg' });
    expectStorageRefusal(await anon.storage.from('uploads').download(path), StorageRefusals.objectNotFound);
    const publicPrivate = await fetch(`${stackEnv().apiUrl}/storage/v1/object/public/uploads/${path}`);
    await expectStorageResponse(publicPrivate, StorageRefusals.bucketNotFound);
    expectStorageRefusal(
      await anon.storage.from('avatars').upload(`${alice.id}/x.png`, png('x'), { contentType: 'image/png' }),
      StorageRefusals.rowLevelSecurity,
    );
  });

  it('results are readable by their owner, written only by the backend', async () => {
    const path = `pickitchen/${alice.id}/results/video.mp4`;
    expectStorageRefusal(
      await alice.client.storage.from('results').upload(path, png('fake'), { contentType: 'video/mp4' }),
      StorageRefusals.rowLevelSecurity,
    );
  });

  it("enforces each bucket's size and type limits", async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1);
    const tooBig = await alice.client.storage.from('avatars').upload(`${alice.id}/big.png`, big, {
      contentType: 'image/png',
    });
    expectStorageRefusal(tooBig, StorageRefusals.tooLarge());
    const wrongType = await alice.client.storage.from('avatars').upload(`${alice.id}/x.gif`, png('x'), {
      contentType: 'image/gif',
    });
    expectStorageRefusal(wrongType, StorageRefusals.mimeType('image/gif'));
    const multipart = await alice.client.storage.from('avatars').upload(
      `${alice.id}/blob.png`,
      new Blob([png('blob')], { type: 'image/png' }),
    );
    expect(multipart.error).toBeNull();
  });

  it('signed download URLs work until they expire and cannot be tampered with', async () => {
    const path = `${alice.id}/signed.png`;
    await alice.client.storage.from('avatars').upload(path, png('signed'), { contentType: 'image/png', upsert: true });
    const { data } = await alice.client.storage.from('avatars').createSignedUrl(path, 60);
    expect(await (await fetch(data!.signedUrl)).text()).toBe('signed');

    const other = data!.signedUrl.replace(`${alice.id}/signed.png`, `${alice.id}/pub.png`);
    await expectStorageResponse(await fetch(other), StorageRefusals.invalidSignature());
    const token = new URL(data!.signedUrl).searchParams.get('token')!;
    const tampered = data!.signedUrl.replace(token, `${token.slice(0, -3)}abc`);
    await expectStorageResponse(await fetch(tampered), StorageRefusals.invalidJwt('signature verification failed'));
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ url: `avatars/${path}`, scope: 'download' })
      .setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now - 120).setExpirationTime(now - 60)
      .sign(new TextEncoder().encode(stackEnv().jwtSecret));
    const res = await fetch(`${stackEnv().apiUrl}/storage/v1/object/sign/avatars/${path}?token=${expired}`);
    await expectStorageResponse(res, StorageRefusals.invalidJwt('"exp" claim timestamp check failed'));
    const upload = await alice.client.storage.from('avatars').createSignedUploadUrl(`${alice.id}/up.png`);
    const wrongScope = await fetch(
      `${stackEnv().apiUrl}/storage/v1/object/sign/avatars/${alice.id}/up.png?token=${upload.data!.token}`,
    );
    await expectStorageResponse(wrongScope, StorageRefusals.invalidSignature('Token is not scoped for download'));
  });

  it('signed upload URLs let the holder upload exactly that path once', async () => {
    const path = `diary/${alice.id}/images/signed-up.jpg`;
    const { data } = await alice.client.storage.from('uploads').createSignedUploadUrl(path);
    const anon = anonClient();
    expect(
      (await anon.storage.from('uploads').uploadToSignedUrl(path, data!.token, png('via token'), {
        contentType: 'image/jpeg',
      })).error,
    ).toBeNull();
    const [row] = await adminSql()`select owner_id from storage.objects where bucket_id = 'uploads' and name = ${path}`;
    expect(row.owner_id).toBe(alice.id);
    expectStorageRefusal(
      await anon.storage.from('uploads').uploadToSignedUrl(path, data!.token, png('again'), {
        contentType: 'image/jpeg',
      }),
      StorageRefusals.duplicate,
    );
    expectStorageRefusal(
      await bob.client.storage.from('uploads').createSignedUploadUrl(`diary/${alice.id}/images/bobs.jpg`),
      StorageRefusals.rowLevelSecurity,
    );
  });

  it('batch-signs only what the caller may read', async () => {
    const mine = `diary/${alice.id}/images/batch.jpg`;
    await alice.client.storage.from('uploads').upload(mine, png('b'), { contentType: 'image/jpeg', upsert: true });
    const theirs = `diary/${bob.id}/images/batch.jpg`;
    await bob.client.storage.from('uploads').upload(theirs, png('b'), { contentType: 'image/jpeg', upsert: true });
    const { data } = await alice.client.storage.from('uploads').createSignedUrls([mine, theirs], 60);
    expect(data?.[0]).toMatchObject({ path: mine, error: null });
    expect(data?.[1]).toMatchObject({
      path: theirs,
      signedUrl: null,
      error: expect.stringContaining('do not have access'),
    });
  });

  it('cannot be bypassed with SQL: direct deletes from storage tables are refused', async () => {
    await expect(adminSql()`delete from storage.objects where bucket_id = 'avatars'`).rejects.toMatchObject({
      code: '42501',
    });
  });
});

describe('names, escapes and metadata Storage refuses or ignores', () => {
  let alice: Person;
  let token: string;
  beforeAll(async () => {
    alice = await person();
    token = (await alice.client.auth.getSession()).data.session!.access_token;
  });
  const raw = (path: string, init: RequestInit = {}) =>
    fetch(`${stackEnv().apiUrl}/storage/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });
  const rowsNamed = (pattern: string) => adminSql()`select name from storage.objects where name like ${pattern}`;

  it('refuses dot segments with 400 InvalidKey and stores nothing, however the name arrives', async () => {
    const folder = `diary/${alice.id}/images`;
    // supabase-js sends the name as it is: the escapes reach Storage undecoded, "../" once decoded.
    const up = await alice.client.storage.from('uploads').upload(`${folder}/%2e%2e%2f%2e%2e%2fescape.jpg`, png('x'), {
      contentType: 'image/jpeg',
    });
    expectStorageRefusal(
      up,
      StorageRefusals.invalidKey(`Invalid key: uploads/${folder}/../../escape.jpg contains dot path segment`),
    );
    const here = await raw(`/object/uploads/${folder}/%2e%2fhere.jpg`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: 'x',
    });
    await expectStorageResponse(
      here,
      StorageRefusals.invalidKey(`Invalid key: uploads/${folder}/./here.jpg contains dot path segment`),
    );
    // A signed upload URL is issued (Storage signs without touching the disk), but nothing uploads through it.
    const signed = await alice.client.storage.from('uploads').createSignedUploadUrl(`${folder}/%2e%2e%2fsigned.jpg`);
    expect(signed.error).toBeNull();
    const put = await anonClient().storage.from('uploads').uploadToSignedUrl(
      `${folder}/%2e%2e%2fsigned.jpg`,
      signed.data!.token,
      png('x'),
      { contentType: 'image/jpeg' },
    );
    expectStorageRefusal(
      put,
      StorageRefusals.invalidKey(`Invalid key: uploads/${folder}/../signed.jpg contains dot path segment`),
    );
    expect(await rowsNamed(`%${alice.id}%/.%`)).toEqual([]);
  });

  it("answers a malformed %-escape with Storage's 400 bad-URL body, never a 500", async () => {
    const res = await raw(`/object/uploads/diary/${alice.id}/images/%E0%A4%A.jpg?x=1`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'Bad Request',
      code: 'FST_ERR_BAD_URL',
      statusCode: 400,
      message: `'/object/uploads/diary/${alice.id}/images/%E0%A4%A.jpg?x=1' is not a valid url component`,
    });
    const up = await alice.client.storage.from('uploads').upload(`diary/${alice.id}/images/100%.jpg`, png('x'), {
      contentType: 'image/jpeg',
    });
    expect(up.error).toMatchObject({
      status: 400,
      statusCode: 400,
      message: expect.stringContaining('is not a valid url component'),
    });
  });

  it("answers NUL in a key or bucket name with 400 in Storage's error shape on every route", async () => {
    const nul = `diary/${alice.id}/images/a\u0000b.jpg`;
    const uploads = alice.client.storage.from('uploads');
    const refused = StorageRefusals.invalidKey(`Invalid key: ${nul}`);
    expectStorageRefusal(await uploads.upload(nul, png('x'), { contentType: 'image/jpeg' }), refused, 'upload');
    expectStorageRefusal(await uploads.createSignedUrl(nul, 60), refused, 'createSignedUrl');
    expectStorageRefusal(await uploads.remove([nul]), refused, 'remove');
    expectStorageRefusal(
      await uploads.list(`diary/${alice.id}/a\u0000`),
      StorageRefusals.invalidKey(`Invalid key: diary/${alice.id}/a\u0000`),
      'list',
    );
    expectStorageRefusal(await uploads.createSignedUrls([nul], 60), refused, 'createSignedUrls');
    for (
      const path of [
        `/object/public/avatars/${alice.id}/a%00.png`,
        `/object/info/uploads/${alice.id}/a%00.png`,
        `/object/uploads/${alice.id}/a%00.png`,
      ]
    ) {
      await expectStorageResponse(
        await raw(path),
        StorageRefusals.invalidKey(`Invalid key: ${alice.id}/a\u0000.png`),
        path,
      );
    }
    const bucket = await raw(`/object/up%00loads/diary/${alice.id}/x.jpg`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: 'x',
    });
    await expectStorageResponse(bucket, StorageRefusals.invalidBucketName);
  });

  it('keeps unreadable user metadata as {} (as Storage does), refuses NUL or over 1 MiB of it, no 500', async () => {
    const folder = `diary/${alice.id}/images`;
    const base64 = (text: string) => Buffer.from(text).toString('base64');
    const userMetadata = async (name: string) =>
      (await adminSql()`select user_metadata from storage.objects where bucket_id = 'uploads' and name = ${name}`)[0]
        ?.user_metadata;
    const rawUpload = (name: string, headers: Record<string, string>, body: BodyInit = 'x') =>
      raw(`/object/uploads/${name}`, { method: 'POST', headers: { 'content-type': 'image/jpeg', ...headers }, body });

    for (const [file, header] of [['not-base64.jpg', '!!not base64!!'], ['not-json.jpg', base64('{not json')]]) {
      const res = await rawUpload(`${folder}/${file}`, { 'x-metadata': header });
      expect(res.status, file).toBe(200);
      expect(await userMetadata(`${folder}/${file}`), file).toEqual({});
    }
    expect((await rawUpload(`${folder}/kept.jpg`, { 'x-metadata': base64('{"album":"trip"}') })).status).toBe(200);
    expect(await userMetadata(`${folder}/kept.jpg`)).toEqual({ album: 'trip' });
    const nul = await rawUpload(`${folder}/nul.jpg`, { 'x-metadata': base64('{"a":"\\u0000"}') });
    await expectStorageResponse(nul, StorageRefusals.invalidRequest('metadata must not contain NUL characters'));

    const form = (metadata: string) => {
      const f = new FormData();
      f.append('metadata', metadata);
      f.append('', new Blob([png('x')], { type: 'image/jpeg' }));
      return f;
    };
    expect((await raw(`/object/uploads/${folder}/form.jpg`, { method: 'POST', body: form('{oops') })).status).toBe(200);
    expect(await userMetadata(`${folder}/form.jpg`)).toEqual({});
    const big = await raw(`/object/uploads/${folder}/big-meta.jpg`, {
      method: 'POST',
      body: form(JSON.stringify({ a: 'x'.repeat(1024 * 1024) })),
    });
    await expectStorageResponse(big, StorageRefusals.tooLarge('user_metadata'));
    expect(await userMetadata(`${folder}/nul.jpg`)).toBeUndefined();
    expect(await userMetadata(`${folder}/big-meta.jpg`)).toBeUndefined();
  });

  it('serves every object with X-Content-Type-Options: nosniff, and HTML as text/plain', async () => {
    // A bucket without type limits, written by the backend: the only way HTML gets stored here.
    await adminSql()`
      insert into storage.buckets (id, name, public) values ('sniff-test', 'sniff-test', true)
      on conflict (id) do nothing`;
    const backend = createClient(stackEnv().apiUrl, stackEnv().serviceRoleKey, {
      auth: { persistSession: false },
      realtime: { transport: WebSocket as never },
    }).storage.from('sniff-test');
    const name = `${alice.id}/page.html`;
    expect((await backend.upload(name, '<script>alert(1)</script>', { contentType: 'text/html', upsert: true })).error)
      .toBeNull();
    const signed = (await backend.createSignedUrl(name, 60)).data!.signedUrl;
    const publicUrl = backend.getPublicUrl(name).data.publicUrl;
    const responses = [
      await raw(`/object/sniff-test/${name}`),
      await raw(`/object/sniff-test/${name}`, { method: 'HEAD' }),
      await fetch(signed),
      await fetch(publicUrl),
    ];
    for (const res of responses) {
      expect(res.status, res.url).toBe(200);
      expect(res.headers.get('x-content-type-options'), res.url).toBe('nosniff');
      expect(res.headers.get('content-type'), res.url).toBe('text/plain');
    }
  });
});
