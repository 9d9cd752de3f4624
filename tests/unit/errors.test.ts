import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { ApiError, fromPostgresError } from '../../functions/_shared/errors.ts';
import { toApiError } from '../../functions/_shared/http/create-app.ts';

function pgError(fields: Record<string, string>) {
  return new postgres.PostgresError(fields as never);
}

describe('database errors', () => {
  it("maps our functions' P0001 codes to API codes and statuses", () => {
    const err = fromPostgresError(
      pgError({ code: 'P0001', message: 'INSUFFICIENT_BALANCE', detail: 'Balance 3, needed 5.' }),
    );
    expect(err).toMatchObject({ code: 'INSUFFICIENT_BALANCE', status: 422, message: 'Balance 3, needed 5.' });
    expect(fromPostgresError(pgError({ code: 'P0001', message: 'something else' }))).toMatchObject({
      code: 'BUSINESS_RULE_VIOLATION',
      status: 422,
    });
  });

  it('maps privilege, uniqueness and check failures', () => {
    expect(fromPostgresError(pgError({ code: '42501', message: 'permission denied for table x' }))?.status).toBe(403);
    expect(fromPostgresError(pgError({ code: '23505', message: 'dup', constraint_name: 'devices_installation_key' })))
      .toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(fromPostgresError(pgError({ code: '23514', message: 'check' }))?.status).toBe(400);
  });

  it('leaves unknown database errors to become 500s without their text', () => {
    const raw = pgError({ code: '57P01', message: 'terminating connection due to administrator command' });
    expect(fromPostgresError(raw)).toBeUndefined();
    const api = toApiError(raw);
    expect(api).toBeInstanceOf(ApiError);
    expect(api.status).toBe(500);
    expect(api.message).not.toContain('administrator');
  });
});
