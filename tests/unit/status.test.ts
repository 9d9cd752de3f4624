// npm run status / the npm start banner's values (scripts/status.ts), like `supabase status -o env`.
import { describe, expect, it } from 'vitest';
import { statusValues } from '../../scripts/status.ts';
import type { StackInfo } from '../../scripts/stack/stack.ts';

describe('npm run status', () => {
  it("names the mail catcher's inbox as MAIL_URL beside the API and database", () => {
    const info = {
      apiUrl: 'http://127.0.0.1:54321',
      functionsUrl: 'http://127.0.0.1:54321/functions/v1',
      dbUrl: 'postgresql://postgres:postgres@127.0.0.1:54322/postgres',
      dataDir: '',
      mailUrl: 'http://127.0.0.1:54324',
      keys: { jwtSecret: 's', anonKey: 'a', serviceRoleKey: 'r', publishableKey: 'p', secretKey: 'k' },
      pids: { postgres: 1, gateway: 2, supervisor: 3, mailCatcher: 4 },
    } as unknown as StackInfo;
    expect(statusValues(info)).toMatchObject({ API_URL: info.apiUrl, MAIL_URL: 'http://127.0.0.1:54324' });
  });
});
