// Growth Diary's account and diaries through HTTP: the sign-in's userInfo, the profile, writing, listing, changing and
// deleting diaries, one diary per date (409 naming the one there), images only from the caller's own uploads and
// only what the diary_image upload purpose allows (the database's check is held to
// functions/_files/upload-purposes.ts).
import { describe, expect, it } from 'vitest';
import { UPLOAD_PURPOSES, uploadFolder } from '../../functions/_files/upload-purposes.ts';
import { adminSql } from '../helpers/db.ts';
import { envelope } from '../helpers/http.ts';
import { uploadDiaryImage, wechatLogin } from '../helpers/diary.ts';

describe('Growth Diary: account and diaries', () => {
  it("answers the WeChat sign-in with the seed's userInfo beside the session", async () => {
    const user = await wechatLogin();
    expect(user.signIn).toMatchObject({
      token_type: 'bearer',
      user: { id: user.userId, is_new_user: true },
      userInfo: { id: user.userId, nickname: null, avatar: null, points: 0 },
    });
    expect((await user.api.put('/user/profile', { nickname: '小明' })).status).toBe(200);
    const profile = await user.api.get('/user/profile');
    expect(profile.body).toMatchObject({
      nickname: '小明',
      points: 0,
      total_diaries: 0,
      continuous_days: 0,
      last_diary_date: null,
      timezone: 'Asia/Shanghai',
    });
  });

  it('writes, lists by month newest first, changes and deletes diaries', async () => {
    const { api } = await wechatLogin();
    const dates = ['2026-10-30', '2026-11-02', '2026-11-05', '2026-11-09'];
    for (const date of dates) {
      const res = await api.post('/diary', { date, content: `day ${date}`, mood: 'happy', weather: 'sunny' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ date, content: `day ${date}`, images: [], tags: [], is_draft: false });
    }
    const first = await api.get('/diary?month=2026-11&limit=2');
    expect(first.body.items.map((d: { date: string }) => d.date)).toEqual(['2026-11-09', '2026-11-05']);
    const second = await api.get(`/diary?month=2026-11&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items.map((d: { date: string }) => d.date)).toEqual(['2026-11-02']);
    expect(second.body.next_cursor).toBeNull();

    const id = first.body.items[0].id;
    const changed = await api.put(`/diary/${id}`, { content: 'rewritten', tags: ['学习'] });
    expect(changed.body).toMatchObject({ id, date: '2026-11-09', content: 'rewritten', tags: ['学习'], mood: 'happy' });
    expect((await api.get(`/diary/${id}`)).body.content).toBe('rewritten');
    expect((await api.del(`/diary/${id}`)).status).toBe(204);
    expect((await api.get(`/diary/${id}`)).status).toBe(404);
    expect((await api.del(`/diary/${id}`)).status).toBe(404);
  });

  it('refuses a second diary for a date with 409 naming the existing one; a client id replays the create', async () => {
    const { api } = await wechatLogin();
    const id = crypto.randomUUID();
    const made = await api.post('/diary', { id, date: '2026-11-20', content: 'first' });
    expect(made.status).toBe(201);
    expect((await api.post('/diary', { id, date: '2026-11-20', content: 'first' })).body.id).toBe(id);

    const taken = await api.post('/diary', { date: '2026-11-20', content: 'second' });
    expect(taken.status).toBe(409);
    expect(envelope(taken)).toMatchObject({ code: 'CONFLICT', details: [{ field: 'date', code: 'diary_exists', id }] });

    const other = await api.post('/diary', { date: '2026-11-21', content: 'other day' });
    const moved = await api.put(`/diary/${other.body.id}`, { date: '2026-11-20' });
    expect(moved.status).toBe(409);
    expect(envelope(moved).details[0].id).toBe(id);
  });

  it("keeps images only when they are the caller's own diary uploads", async () => {
    const me = await wechatLogin();
    const other = await wechatLogin();
    const mine = await uploadDiaryImage(me);
    const theirs = await uploadDiaryImage(other);

    const ok = await me.api.post('/diary', { date: '2026-11-10', content: 'park', images: [mine] });
    expect(ok.status).toBe(201);
    expect(ok.body.images).toEqual([mine]);

    // Another user's upload is not in the caller's folder: not found, as for anything the caller cannot see.
    const stolen = await me.api.post('/diary', { date: '2026-11-11', content: 'park', images: [theirs] });
    expect(stolen.status).toBe(404);
    expect(envelope(stolen).code).toBe('NOT_FOUND');
    const missing = await me.api.post('/diary', {
      date: '2026-11-11',
      content: 'park',
      images: [mine.replace(/[^/]+$/, 'never-uploaded.jpg')],
    });
    expect(missing.status).toBe(404);
    expect(envelope(missing).code).toBe('NOT_FOUND');
    expect((await me.api.get('/diary?month=2026-11')).body.items).toHaveLength(1);
  });

  it('takes as images exactly the files the diary_image upload purpose allows: types, size and folder', async () => {
    const me = await wechatLogin();
    const purpose = UPLOAD_PURPOSES.diary_image;
    const folder = uploadFolder(purpose, 'diary', me.userId);
    // Stored objects as the Storage API records them: only their metadata is checked.
    const stored = async (bucket: string, name: string, mimetype: string, size: number) => {
      await adminSql()`
        insert into storage.objects (bucket_id, name, owner, owner_id, metadata)
        values (${bucket}, ${name}, ${me.userId}, ${me.userId}, ${adminSql().json({ mimetype, size })})`;
      return name;
    };
    const fitting = await Promise.all(
      Object.keys(purpose.types).map((type, i) => stored(purpose.bucket, `${folder}ok-${i}`, type, purpose.maxBytes)),
    );
    const written = await me.api.post('/diary', { date: '2026-10-01', content: 'every type', images: fitting });
    expect(written.status).toBe(201);
    expect(written.body.images).toEqual(fitting);

    const refusals = [
      [await stored(purpose.bucket, `${folder}big`, 'image/jpeg', purpose.maxBytes + 1), 422, 'UPLOAD_INVALID'],
      [await stored(purpose.bucket, `${folder}gif`, 'image/gif', 1), 422, 'UPLOAD_INVALID'],
      [await stored(purpose.bucket, `${folder}empty`, 'image/jpeg', 0), 422, 'UPLOAD_INVALID'],
      // The purpose's folder, in another bucket: not an upload for it.
      [await stored('results', `${folder}elsewhere`, 'image/jpeg', 1), 404, 'NOT_FOUND'],
    ] as const;
    for (const [path, status, code] of refusals) {
      const res = await me.api.post('/diary', { date: '2026-10-02', content: 'one bad file', images: [path] });
      expect([path, res.status, envelope(res).code]).toEqual([path, status, code]);
    }
  });
});
