// The one error type of the API, its codes and their HTTP statuses, and the mapping of database errors.
import postgres from 'postgres';

export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHORIZED: 401,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  INVALID_SIGNATURE: 401,
  WECHAT_CODE_INVALID: 401,
  FORBIDDEN: 403,
  AAL2_REQUIRED: 403,
  NOT_FOUND: 404,
  UNKNOWN_APP: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 409,
  ACCOUNT_UPGRADED: 409,
  RESYNC_REQUIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BUSINESS_RULE_VIOLATION: 422,
  INSUFFICIENT_BALANCE: 422,
  CONTENT_BLOCKED: 422,
  NO_FACE: 422,
  MULTIPLE_FACES: 422,
  IMAGE_INVALID: 422,
  UPLOAD_INVALID: 422,
  RATE_LIMITED: 429,
  AI_QUOTA_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  UPSTREAM_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export interface ErrorDetail {
  field?: string;
  code?: string;
  message: string;
  /** Where the field is (json, query, param, header), for a validation failure. */
  in?: string;
  /** Seconds until a refused request may be sent again, for a rate limit. */
  retry_after?: number;
  /** The id of the record the error concerns (the diary that already holds a date). */
  id?: string;
}

export class ApiError extends Error {
  readonly status: ErrorStatus;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    // An ApiError is an answer to the client, not a bug: skip the stack capture, the costliest part of
    // building an Error (a 404 spent a quarter of its time there).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}

/** Input that failed its zod schema: 400 VALIDATION_FAILED, one detail per issue, naming where it was (`in`). */
export function validationFailed(
  error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; code: string; message: string }> },
  target: string,
  message = `The request ${target === 'json' ? 'body' : target} is invalid.`,
): ApiError {
  return new ApiError(
    'VALIDATION_FAILED',
    message,
    error.issues.map((i) => ({
      field: i.path.map(String).join('.') || '(root)',
      code: i.code,
      message: i.message,
      in: target,
    })),
  );
}

export function errorBody(err: ApiError, requestId: string) {
  return { error: { code: err.code, message: err.message, details: err.details }, request_id: requestId };
}

const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_STATUS, code);

/**
 * Database errors the client caused become 4xx; our SQL functions raise P0001 with the API code as the
 * message and a human explanation in DETAIL. Anything else is ours to fix and stays a 500.
 */
export function fromPostgresError(err: unknown): ApiError | undefined {
  if (!(err instanceof postgres.PostgresError)) return undefined;
  switch (err.code) {
    case 'P0001': {
      const code = isErrorCode(err.message) ? err.message : 'BUSINESS_RULE_VIOLATION';
      return new ApiError(code, err.detail ?? 'The request breaks a business rule.');
    }
    case '42501':
      return new ApiError('FORBIDDEN', 'You are not allowed to do this.');
    case '23505':
      return new ApiError('CONFLICT', 'A record with these values already exists.', [
        { code: 'unique_violation', message: err.constraint_name ?? 'unique constraint' },
      ]);
    case '23503':
      return new ApiError('BUSINESS_RULE_VIOLATION', 'A referenced record does not exist.', [
        { code: 'foreign_key_violation', message: err.constraint_name ?? 'foreign key' },
      ]);
    // Data exceptions a client's value causes: a 500 would claim a bug of ours.
    case '23514': // check_violation
    case '23502': // not_null_violation
    case '22P02': // invalid_text_representation
    case '22001': // string_data_right_truncation
    case '22003': // numeric_value_out_of_range (an integer beyond int4)
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
    case '22021': // character_not_in_repertoire (a NUL byte in text)
    case '22P05': // untranslatable_character (\u0000 in jsonb)
    case '22023': // invalid_parameter_value (an unknown time zone)
    case '22025': // invalid_escape_sequence
    case '22030': // duplicate_json_object_key_value
    case '22032': // invalid_json_text
    case '2202E': // array_subscript_error
      return new ApiError('VALIDATION_FAILED', 'A value was rejected by the database.', [
        { code: err.code, message: err.constraint_name ?? err.column_name ?? 'invalid value' },
      ]);
    default:
      return undefined;
  }
}
