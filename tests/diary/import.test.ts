// The wx-storage import's opening balance through HTTP: the phone's points become one `adjust` entry, once per user
// ever, however many imports carry it at the same moment or later.
import { describe, expect, it } from 'vitest';
import { sendAtOnce, userRowOf } from '../helpers/at-once.ts';
import { adminSql } from '../helpers/db.ts';
import { diaryPoints, wechatLogin } from '../helpers/diary.ts';

describe('Growth Diary: importing the local balance', () => {
  it('grants the opening balance once: 8 imports at the same moment and a later one', async () => {
    const user = await wechatLogin();
    const answers = await sendAtOnce(
      userRowOf(user.userId),
      8,
      (i) => user.api.post('/sync/import', { source: 'wx_points', batch_no: i + 1, rows: [{ points: 300 }] }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.map((a) => a.body.imported).sort()).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    const later = await user.api.post('/sync/import', { source: 'wx_points', batch_no: 9, rows: [{ points: 500 }] });
    expect(later.body.rows[0]).toMatchObject({ status: 'skipped', reason: 'the opening balance was imported before' });
    expect(await diaryPoints(user.userId)).toBe(300);
    const entries = await adminSql()`
      select kind, amount::int, reason from public.wallet_entries where user_id = ${user.userId} and app_id = 'diary'`;
    expect(entries).toEqual([{ kind: 'adjust', amount: 300, reason: 'migration' }]);
  });
});
