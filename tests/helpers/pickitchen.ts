// PicKitchen as its app drives it, through the stack: device sign-in, a point pack from RevenueCat, a photo uploaded
// with supabase-js, face detection and an emoji task.
import { expect } from 'vitest';
import { freshIp, newDeviceId, sessionClient } from './auth.ts';
import { adminSql } from './db.ts';
import { call } from './http.ts';
import { deliver, rcEvent } from './revenuecat.ts';

export type PicKitchenUser = Awaited<ReturnType<typeof deviceLogin>>;

/** A JPEG the size of a comment; DashScope's fake reads markers such as "noface" inside the bytes. */
export const photo = (comment: string) =>
  new Uint8Array([0xff, 0xd8, 0xff, 0xfe, 0x00, comment.length + 2, ...new TextEncoder().encode(comment), 0xff, 0xd9]);

/** The user's PicKitchen points: the sum of their balances, 0 before any account exists. */
export async function pointsOf(userId: string): Promise<number> {
  const [{ points }] = await adminSql()`
    select coalesce(sum(balance), 0)::int as points from public.wallet_accounts
     where user_id = ${userId} and app_id = 'pickitchen'`;
  return points;
}

/**
 * A new PicKitchen user signed in by device id, from an address of its own
 * (Auth allows 30 sign-ins per address in 5 minutes).
 */
export async function deviceLogin() {
  const res = await call('POST', '/pickitchen/auth/device', {
    json: { device_id: newDeviceId(), platform: 'ios', app_version: '2.1.0' },
    headers: { 'x-forwarded-for': freshIp() },
  });
  expect(res.status).toBe(200);
  return {
    token: res.body.access_token as string,
    userId: res.body.user.id as string,
    client: await sessionClient(res.body),
  };
}

export async function uploadPhoto(user: PicKitchenUser, comment = 'a smiling face') {
  const bytes = photo(comment);
  const upload = await call('POST', '/pickitchen/emoji/upload', {
    token: user.token,
    json: { content_type: 'image/jpeg', size: bytes.length },
  });
  expect(upload.status).toBe(201);
  const { error } = await user.client.storage.from('uploads').uploadToSignedUrl(
    upload.body.path,
    upload.body.token,
    bytes,
    { contentType: 'image/jpeg' },
  );
  expect(error).toBeNull();
  return upload.body.path as string;
}

export const points = async (token: string) =>
  (await call('GET', '/pickitchen/points/balance', { token })).body.balance as number;

/** A 500-point pack from the store: granted once, however often RevenueCat delivers it. */
export async function buyPack(userId: string) {
  const body = rcEvent('NON_RENEWING_PURCHASE', userId, {
    product_id: 'com.houtai.pickitchen.points.500',
    transaction_id: `pack-${crypto.randomUUID()}`,
  });
  expect((await deliver(body)).body.status).toBe('processed');
  expect((await deliver(body)).body.status).toBe('duplicate');
}

/** A new user with 500 points who uploaded a photo that passed detection. */
export async function detectedPhoto() {
  const user = await deviceLogin();
  await buyPack(user.userId);
  const path = await uploadPhoto(user);
  expect((await call('POST', '/pickitchen/emoji/detect', { token: user.token, json: { image_path: path } })).status)
    .toBe(200);
  return { user, path };
}

/** A new user with 500 points who uploaded a photo that passed detection and asked for a video of it (10 points). */
export async function acceptedEmojiTask(driven_id = 'mengwa_kaixin') {
  const { user, path } = await detectedPhoto();
  const created = await call('POST', '/pickitchen/emoji/create', {
    token: user.token,
    json: { image_path: path, driven_id },
  });
  expect(created.status).toBe(202);
  expect(await points(user.token)).toBe(490);
  return { user, taskId: created.body.task_id as string };
}
