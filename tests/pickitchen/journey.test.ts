// PicKitchen's journey (docs/apps/pickitchen.md) with supabase-js where the app uses it (session, upload,
// download) and HTTP elsewhere: device login → profile → config → upload → detect → create (charged) → the
// deployed worker (POST /worker/run) drives DashScope (the fake) to a stored video → owner-only download → history
// → delete; point packs and the weekly VIP through RevenueCat webhooks; and the failure paths.
import { describe, expect, it } from 'vitest';
import { sendAtOnce, userRowOf } from '../helpers/at-once.ts';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { inProcessWorker } from '../helpers/in-process.ts';
import { buyPack, detectedPhoto, deviceLogin, photo, points, uploadPhoto } from '../helpers/pickitchen.ts';
import { deliver, rcEvent } from '../helpers/revenuecat.ts';
import { stackEnv } from '../helpers/stack.ts';
import { expectStorageRefusal, StorageRefusals } from '../helpers/storage.ts';
import { signAccessToken, userClaims } from '../helpers/users.ts';
import { deployedWorker, emojiTaskFinished, runUntil, workerApp, type WorkerRun } from '../helpers/worker.ts';

const env = stackEnv();
/** The worker app with a video model DashScope (the fake) no longer serves: every task it starts is refused. */
const retiredModelWorker = inProcessWorker({
  DASHSCOPE_API_KEY: env.dashscope.apiKey,
  DASHSCOPE_BASE_URL: env.dashscope.url,
  EMOJI_VIDEO_MODEL: 'emoji-v0-retired',
  EMOJI_POLL_INTERVAL_SECONDS: '1',
});

/** Runs the task's job through a worker (the deployed one by default) until the task has finished. */
async function drainEmojiJobs(taskId: string, run: WorkerRun = deployedWorker) {
  await runUntil(run, taskId, emojiTaskFinished(taskId));
  return (await adminSql()`select status from pickitchen.emoji_tasks where id = ${taskId}`)[0].status as string;
}

describe('PicKitchen journey', () => {
  it(
    'device login → profile → config → upload → detect → create → video → history → delete',
    { timeout: 60_000 },
    async () => {
      const user = await deviceLogin();
      expect((await call('GET', '/pickitchen/profile', { token: user.token })).body).toMatchObject({
        is_vip: false,
        points: 0,
      });
      const config = await call('GET', '/pickitchen/config', { token: user.token });
      const template = config.body.styles[0].templates[0];
      expect(template).toMatchObject({ driven_id: 'mengwa_kaixin', points: 10 });

      // A point pack from the store: granted once, however often RevenueCat delivers it.
      await buyPack(user.userId);
      expect(await points(user.token)).toBe(500);

      const path = await uploadPhoto(user);
      const detected = await call('POST', '/pickitchen/emoji/detect', {
        token: user.token,
        json: { image_path: path },
      });
      expect(detected.status).toBe(200);
      expect(detected.body).toMatchObject({
        passed: true,
        face_bbox: [212, 194, 460, 441],
        ext_bbox: [63, 30, 609, 575],
      });
      // Free and kept per photo: asking again answers from the stored detection, without DashScope (which could
      // not even fetch the photo now that its Storage row is gone).
      const [{ object }] = await adminSql().begin(async (sql) => {
        await sql`select set_config('storage.allow_delete_query', 'true', true)`;
        return sql`
          delete from storage.objects where bucket_id = 'uploads' and name = ${path}
          returning to_jsonb(objects.*) as object`;
      });
      expect((await call('POST', '/pickitchen/emoji/detect', { token: user.token, json: { image_path: path } })).body)
        .toEqual(detected.body);
      await adminSql()`
        insert into storage.objects (id, bucket_id, name, owner, owner_id, metadata, user_metadata, version,
                                     created_at, updated_at, last_accessed_at)
        select id, bucket_id, name, owner, owner_id, metadata, user_metadata, version,
               created_at, updated_at, last_accessed_at
          from jsonb_populate_record(null::storage.objects, ${adminSql().json(object)})`;
      expect(await points(user.token)).toBe(500);

      const create = () =>
        call('POST', '/pickitchen/emoji/create', {
          token: user.token,
          json: { image_path: path, driven_id: template.driven_id },
          headers: { 'idempotency-key': 'tap-1' },
        });
      const created = await create();
      expect(created.status).toBe(202);
      expect(created.body).toMatchObject({ status: 'pending', points_cost: 10, style_name: '开心', video_url: null });
      expect((await create()).body.task_id).toBe(created.body.task_id);
      expect(await points(user.token)).toBe(490);

      expect(await drainEmojiJobs(created.body.task_id)).toBe('completed');
      const done = await call('GET', `/pickitchen/emoji/task/${created.body.task_id}`, { token: user.token });
      expect(done.body).toMatchObject({ status: 'completed', error: null, refunded: false });
      const [row] = await adminSql()`
        select provider_task_id, result_path from pickitchen.emoji_tasks where id = ${created.body.task_id}`;
      const video = new Uint8Array(await (await fetch(done.body.video_url)).arrayBuffer());
      expect(new TextDecoder().decode(video)).toContain(`fake emoji video for ${row.provider_task_id}`);
      // The owner downloads it with supabase-js; another user can neither see the task nor read the file.
      const own = await user.client.storage.from('results').download(row.result_path);
      expect(own.error).toBeNull();
      const other = await deviceLogin();
      expectStorageRefusal(
        await other.client.storage.from('results').download(row.result_path),
        StorageRefusals.objectNotFound,
      );
      expect((await call('GET', `/pickitchen/emoji/task/${created.body.task_id}`, { token: other.token })).status).toBe(
        404,
      );
      expect((await call('DELETE', `/pickitchen/emoji/task/${created.body.task_id}`, { token: other.token })).status)
        .toBe(404);

      const history = await call('GET', '/pickitchen/emoji/history?limit=10', { token: user.token });
      expect(history.body.items.map((t: { task_id: string }) => t.task_id)).toEqual([created.body.task_id]);
      expect(history.body.items[0].video_url).toBeTruthy();

      expect((await call('DELETE', `/pickitchen/emoji/task/${created.body.task_id}`, { token: user.token })).status)
        .toBe(204);
      expect((await call('GET', `/pickitchen/emoji/task/${created.body.task_id}`, { token: user.token })).status).toBe(
        404,
      );
      expect((await call('GET', '/pickitchen/emoji/history', { token: user.token })).body.items).toEqual([]);
      expect(await adminSql()`select 1 from storage.objects where bucket_id = 'results' and name = ${row.result_path}`)
        .toHaveLength(0);
      expect(await points(user.token)).toBe(490);
    },
  );

  it('weekly VIP: subscribe, the weekly grant once per ISO week, cancel (VIP to period end), expire', async () => {
    const user = await deviceLogin();
    const otx = `otx-${crypto.randomUUID()}`;
    const t0 = Date.now();
    await deliver(
      rcEvent('INITIAL_PURCHASE', user.userId, { original_transaction_id: otx, event_timestamp_ms: t0 - 4000 }),
    );
    expect((await call('GET', '/pickitchen/profile', { token: user.token })).body).toMatchObject({
      is_vip: true,
      vip_type: 'weekly',
      points: 2000,
    });
    // Next week's grant, run twice (the cron job retries hourly on Mondays): granted once.
    const next = (await adminSql()`select to_char(now() + interval '7 days', 'IYYY-"W"IW') as w`)[0].w as string;
    for (let i = 0; i < 2; i++) await adminSql()`select internal.grant_weekly_vip_points_batch(${next}, 500, now())`;
    expect(await points(user.token)).toBe(4000);
    const grants = await call('GET', '/pickitchen/points/transactions', { token: user.token });
    expect(
      grants.body.items
        .filter((e: { ref_type: string }) => e.ref_type === 'vip_weekly_grant')
        .map((e: { period: string }) => e.period)
        .sort(),
    )
      .toHaveLength(2);

    await deliver(
      rcEvent('CANCELLATION', user.userId, {
        original_transaction_id: otx,
        event_timestamp_ms: t0 - 3000,
        cancel_reason: 'UNSUBSCRIBE',
      }),
    );
    expect((await call('GET', '/pickitchen/subscription/status', { token: user.token })).body).toMatchObject({
      is_vip: true,
      will_renew: false,
    });
    expect((await call('GET', '/pickitchen/profile', { token: user.token })).body.is_vip).toBe(true);
    await deliver(
      rcEvent('EXPIRATION', user.userId, {
        original_transaction_id: otx,
        event_timestamp_ms: t0,
        expiration_at_ms: t0,
      }),
    );
    expect((await call('GET', '/pickitchen/profile', { token: user.token })).body).toMatchObject({
      is_vip: false,
      vip_type: null,
      vip_expire_time: null,
      points: 4000,
    });
  });
});

describe('PicKitchen emoji create retries', () => {
  async function readyToCreate() {
    const { user, path } = await detectedPhoto();
    const create = (driven_id: string) =>
      call('POST', '/pickitchen/emoji/create', {
        token: user.token,
        json: { image_path: path, driven_id },
        headers: { 'idempotency-key': 'tap-1' },
      });
    return { user, create };
  }

  it('8 taps at once with one Idempotency-Key make one task and one charge; all eight answer that task', async () => {
    const { user, create } = await readyToCreate();
    const answers = await sendAtOnce(userRowOf(user.userId), 8, () => create('mengwa_kaixin'));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    expect(answers[0].body).toMatchObject({ status: 'pending', points_cost: 10 });
    expect(answers.map((a) => a.body)).toEqual(Array(8).fill(answers[0].body));
    const tasks = await adminSql()`select id from pickitchen.emoji_tasks where user_id = ${user.userId}`;
    expect(tasks).toEqual([{ id: answers[0].body.task_id }]);
    expect(
      await adminSql()`select amount::int from public.wallet_entries where ref_type = 'emoji_task' and ref_id = ${
        tasks[0].id
      }`,
    ).toEqual([{ amount: -10 }]);
    expect(await adminSql()`select 1 from internal.jobs where queue = 'pickitchen.emoji' and job_key = ${tasks[0].id}`)
      .toHaveLength(1);
    expect(await points(user.token)).toBe(490);
  });

  it('one Idempotency-Key at once for two templates: one task, the other is 409 IDEMPOTENCY_CONFLICT', async () => {
    const { user, create } = await readyToCreate();
    const answers = await sendAtOnce(
      userRowOf(user.userId),
      2,
      (i) => create(i === 0 ? 'mengwa_kaixin' : 'jingdian_xianqi'),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    expect(envelope(answers.find((a) => a.status === 409)!).code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await adminSql()`select 1 from pickitchen.emoji_tasks where user_id = ${user.userId}`).toHaveLength(1);
    expect(await points(user.token)).toBe(500 - answers.find((a) => a.status === 202)!.body.points_cost);
  });
});

describe('PicKitchen failure paths', () => {
  it('insufficient points: 422 and no task', async () => {
    const user = await deviceLogin();
    const path = await uploadPhoto(user);
    expect((await call('POST', '/pickitchen/emoji/detect', { token: user.token, json: { image_path: path } })).status)
      .toBe(200);
    const res = await call('POST', '/pickitchen/emoji/create', {
      token: user.token,
      json: { image_path: path, driven_id: 'mengwa_kaixin' },
    });
    expect(res.status).toBe(422);
    expect(envelope(res).code).toBe('INSUFFICIENT_BALANCE');
    expect(await adminSql()`select 1 from pickitchen.emoji_tasks where user_id = ${user.userId}`).toHaveLength(0);
  });

  it('no face: detect refuses with 422 NO_FACE, and create refuses an undetected or refused photo', async () => {
    const user = await deviceLogin();
    await buyPack(user.userId);
    const path = await uploadPhoto(user, 'a landscape, noface');
    const res = await call('POST', '/pickitchen/emoji/detect', { token: user.token, json: { image_path: path } });
    expect(res.status).toBe(422);
    expect(envelope(res)).toMatchObject({ code: 'NO_FACE', details: [{ field: 'image_path', code: 'no_face' }] });
    const create = await call('POST', '/pickitchen/emoji/create', {
      token: user.token,
      json: { image_path: path, driven_id: 'mengwa_kaixin' },
    });
    expect(create.status).toBe(422);
    expect(envelope(create).code).toBe('BUSINESS_RULE_VIOLATION');
    const crowd = await uploadPhoto(user, 'twofaces at a party');
    expect(
      envelope(await call('POST', '/pickitchen/emoji/detect', { token: user.token, json: { image_path: crowd } })).code,
    ).toBe('MULTIPLE_FACES');
    // Someone else's photo, or one never uploaded, is not found.
    const other = await deviceLogin();
    expect((await call('POST', '/pickitchen/emoji/detect', { token: other.token, json: { image_path: crowd } })).status)
      .toBe(404);
    expect(
      (await call('POST', '/pickitchen/emoji/detect', {
        token: user.token,
        json: { image_path: `pickitchen/${user.userId}/sources/missing.jpg` },
      })).status,
    ).toBe(404);
    expect(
      (await call('POST', '/pickitchen/emoji/create', {
        token: user.token,
        json: { image_path: path, driven_id: 'no_such_template' },
      })).status,
    ).toBe(422);
    expect(await points(user.token)).toBe(500);
  });

  it('provider failure: the task fails and the points come back once', async () => {
    const user = await deviceLogin();
    await buyPack(user.userId);
    const path = await uploadPhoto(user);
    await call('POST', '/pickitchen/emoji/detect', { token: user.token, json: { image_path: path } });
    const created = await call('POST', '/pickitchen/emoji/create', {
      token: user.token,
      json: { image_path: path, driven_id: 'jingdian_xianqi' },
    });
    expect(await points(user.token)).toBe(490);
    // DashScope refuses the request (a retired model): not retryable, so the task fails at once.
    expect(await drainEmojiJobs(created.body.task_id, workerApp(retiredModelWorker))).toBe('failed');
    const task = await call('GET', `/pickitchen/emoji/task/${created.body.task_id}`, { token: user.token });
    expect(task.body).toMatchObject({
      status: 'failed',
      refunded: true,
      video_url: null,
      error: { code: 'InvalidParameter' },
    });
    expect(await points(user.token)).toBe(500);
    const entries = await adminSql()`
      select kind, amount::int from public.wallet_entries where ref_type = 'emoji_task'
      and ref_id = ${created.body.task_id} order by id`;
    expect(entries).toEqual([{ kind: 'consume', amount: -10 }, { kind: 'refund', amount: 10 }]);
  });

  it('an upload URL for a 100-byte jpeg takes no 12 MB of audio/mpeg, and detect and create find nothing', async () => {
    const user = await deviceLogin();
    await buyPack(user.userId);
    const upload = await call('POST', '/pickitchen/emoji/upload', {
      token: user.token,
      json: { content_type: 'image/jpeg', size: 100 },
    });
    expect(upload.status).toBe(201);
    const uploads = user.client.storage.from('uploads');
    const twelveMb = new Uint8Array(12 * 1024 * 1024);
    expectStorageRefusal(
      await uploads.uploadToSignedUrl(upload.body.path, upload.body.token, twelveMb, { contentType: 'audio/mpeg' }),
      StorageRefusals.mimeType('audio/mpeg'),
    );
    expectStorageRefusal(
      await uploads.uploadToSignedUrl(upload.body.path, upload.body.token, twelveMb, { contentType: 'image/jpeg' }),
      StorageRefusals.tooLarge(),
    );
    expect(await adminSql()`select 1 from storage.objects where bucket_id = 'uploads' and name = ${upload.body.path}`)
      .toHaveLength(0);
    expect(
      (await call('POST', '/pickitchen/emoji/detect', { token: user.token, json: { image_path: upload.body.path } }))
        .status,
    ).toBe(404);
    expect(
      (await call('POST', '/pickitchen/emoji/create', {
        token: user.token,
        json: { image_path: upload.body.path, driven_id: 'mengwa_kaixin' },
      })).status,
    ).toBe(404);
    expect(await points(user.token)).toBe(500);
  });

  it('detect and create take a stored jpeg, png or webp of ≤ 10 MB only: else 422 UPLOAD_INVALID, free', async () => {
    const user = await deviceLogin();
    await buyPack(user.userId);
    const detect = (path: string) =>
      call('POST', '/pickitchen/emoji/detect', { token: user.token, json: { image_path: path } });
    // The uploads bucket takes heic (diary and meal photos may be heic); an emoji source may not be.
    const upload = await call('POST', '/pickitchen/emoji/upload', {
      token: user.token,
      json: { content_type: 'image/jpeg', size: 100 },
    });
    expect(
      (await user.client.storage.from('uploads').uploadToSignedUrl(
        upload.body.path,
        upload.body.token,
        photo('a smiling face'),
        { contentType: 'image/heic' },
      )).error,
    ).toBeNull();
    const heic = await detect(upload.body.path);
    expect(heic.status).toBe(422);
    expect(envelope(heic)).toMatchObject({ code: 'UPLOAD_INVALID', message: expect.stringContaining('image/heic') });

    // What Storage recorded is what counts: 12 MB of audio/mpeg under a photo's name (as stored before the uploads
    // bucket took images only) is refused.
    const old = await uploadPhoto(user);
    await adminSql()`update storage.objects set metadata = metadata || ${
      adminSql().json({ mimetype: 'audio/mpeg', size: 12 * 1024 * 1024 })
    } where bucket_id = 'uploads' and name = ${old}`;
    const audio = await detect(old);
    expect(audio.status).toBe(422);
    expect(envelope(audio)).toMatchObject({
      code: 'UPLOAD_INVALID',
      message: expect.stringContaining('audio/mpeg of 12582912 bytes'),
    });

    // A detected photo its owner overwrote afterwards: create checks it again and charges nothing.
    const path = await uploadPhoto(user);
    expect((await detect(path)).status).toBe(200);
    expect(
      (await user.client.storage.from('uploads').upload(path, photo('a smiling face'), {
        contentType: 'image/heic',
        upsert: true,
      })).error,
    ).toBeNull();
    const create = await call('POST', '/pickitchen/emoji/create', {
      token: user.token,
      json: { image_path: path, driven_id: 'mengwa_kaixin' },
    });
    expect(create.status).toBe(422);
    expect(envelope(create).code).toBe('UPLOAD_INVALID');
    expect(await points(user.token)).toBe(500);
    expect(await adminSql()`select 1 from pickitchen.emoji_tasks where user_id = ${user.userId}`).toHaveLength(0);
  });

  it('the job sends the photo as stored: replaced after create, the task fails upload_invalid, refunded', async () => {
    const user = await deviceLogin();
    await buyPack(user.userId);
    const path = await uploadPhoto(user);
    expect((await call('POST', '/pickitchen/emoji/detect', { token: user.token, json: { image_path: path } })).status)
      .toBe(200);
    const created = await call('POST', '/pickitchen/emoji/create', {
      token: user.token,
      json: { image_path: path, driven_id: 'mengwa_kaixin' },
    });
    expect(created.status).toBe(202);
    expect(await points(user.token)).toBe(490);
    expect(
      (await user.client.storage.from('uploads').upload(path, photo('a smiling face'), {
        contentType: 'image/heic',
        upsert: true,
      })).error,
    ).toBeNull();
    expect(await drainEmojiJobs(created.body.task_id)).toBe('failed');
    const task = await call('GET', `/pickitchen/emoji/task/${created.body.task_id}`, { token: user.token });
    expect(task.body).toMatchObject({ status: 'failed', refunded: true, error: { code: 'upload_invalid' } });
    const [row] =
      await adminSql()`select provider_task_id from pickitchen.emoji_tasks where id = ${created.body.task_id}`;
    expect(row.provider_task_id).toBeNull();
    expect(await points(user.token)).toBe(500);
  });

  it('an expired token gets 401 TOKEN_EXPIRED', async () => {
    const user = await deviceLogin();
    const expired = await signAccessToken(userClaims(user.userId, 'x@device.invalid'), { expiresInSeconds: -60 });
    const res = await call('GET', '/pickitchen/profile', { token: expired });
    expect(res.status).toBe(401);
    expect(envelope(res).code).toBe('TOKEN_EXPIRED');
  });
});
