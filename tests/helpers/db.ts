// A superuser connection to the test database, for arranging fixtures and checking outcomes.
import postgres from 'postgres';
import { afterAll } from 'vitest';
import { stackEnv } from './stack.ts';

let sql: postgres.Sql | undefined;

export function adminSql(): postgres.Sql {
  if (!sql) {
    sql = postgres(stackEnv().dbUrl, { max: 4, onnotice: () => {} });
    const mine = sql;
    afterAll(async () => {
      await mine.end();
      if (sql === mine) sql = undefined;
    });
  }
  return sql;
}
