// The one error shape the console shows: a coded refusal from the node (or a transport failure
// phrased the same way), with the field path a form uses to put the message next to the input.
import { ERROR_CODES, type ErrorCode } from '../../shared/errors';

export type FieldPath = readonly (string | number)[];

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly path: FieldPath;

  constructor(code: ErrorCode, message: string, path: FieldPath = []) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.path = path;
  }
}

const isErrorCode = (s: unknown): s is ErrorCode => typeof s === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, s);

/** Builds an ApiError from a `{ok:false, code, message, path}` body, tolerating anything malformed. */
export function apiErrorFrom(body: unknown, fallback: string): ApiError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = isErrorCode(b['code']) ? b['code'] : 'NG_INTERNAL';
  const message = typeof b['message'] === 'string' && b['message'] ? b['message'] : fallback;
  const path = Array.isArray(b['path']) ? b['path'].filter((p): p is string | number => typeof p === 'string' || typeof p === 'number') : [];
  return new ApiError(code, message, path);
}

/** Whatever was thrown, as an ApiError (a network failure becomes NG_UNAVAILABLE). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof TypeError) return new ApiError('NG_UNAVAILABLE', `the node does not answer (${e.message})`);
  return new ApiError('NG_INTERNAL', e instanceof Error ? e.message : String(e));
}

const HEADLINES: Partial<Record<ErrorCode, string>> = {
  NG_VALIDATION: 'The node refused this input',
  NG_NOT_FOUND: 'Not found',
  NG_CONFLICT: 'Changed elsewhere',
  NG_UNAUTHENTICATED: 'Sign in needed',
  NG_FORBIDDEN: 'Not allowed',
  NG_RATE_LIMITED: 'Too many attempts',
  NG_TOO_LARGE: 'Too large',
  NG_UNAVAILABLE: 'Not available',
  NG_INTERNAL: 'Something went wrong on the node',
};

/** A short title for an alert about this error, in the operator's words. */
export function headlineOf(e: ApiError): string {
  return HEADLINES[e.code] ?? ERROR_CODES[e.code];
}

/** The message to show next to a form field when the error points at it (or inside it). */
export function messageForField(error: ApiError | null | undefined, ...field: FieldPath): string | undefined {
  if (!error || error.path.length < field.length || field.length === 0) return undefined;
  return field.every((p, i) => String(error.path[i]) === String(p)) ? stripPathPrefix(error) : undefined;
}

/** "settings.routes.0.pool: route points to ..." reads better next to the field without its path. */
function stripPathPrefix(e: ApiError): string {
  const prefix = `${e.path.join('.')}: `;
  return e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
}

/** The error when none of the form's fields shows it (so the form shows it as an alert instead). */
export function unplacedError(error: ApiError | null | undefined, fields: readonly FieldPath[]): ApiError | null {
  if (!error) return null;
  return fields.some((f) => messageForField(error, ...f) !== undefined) ? null : error;
}
