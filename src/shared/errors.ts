// Stable, coded errors. Every refusal a caller can see carries one of these codes; the table in
// docs/PROTOCOL.md lists them. Add a code here and there, never reuse one for a new meaning.

export const ERROR_CODES = {
  NG_VALIDATION: 'Input failed validation; `path` names the field.',
  NG_NOT_FOUND: 'The referenced record does not exist (or is not visible to you).',
  NG_CONFLICT: 'The record changed since you opened it.',
  NG_UNAUTHENTICATED: 'Sign in first, or the credentials are wrong.',
  NG_FORBIDDEN: 'Your role or team does not allow this.',
  NG_RATE_LIMITED: 'Too many attempts; wait and retry.',
  NG_TOO_LARGE: 'The message or body exceeds its size cap.',
  NG_CLOCK_SKEW: 'A timestamp is too far in the future compared with this node clock.',
  NG_UNKNOWN_COLLECTION: 'The collection is not one Netgoat replicates.',
  NG_DB_CORRUPT: 'The database file is damaged or not a SQLite database.',
  NG_DB_FOREIGN: 'The database file belongs to another application.',
  NG_DB_TOO_NEW: 'The database was written by a newer Netgoat version.',
  NG_SNAPSHOT_REQUIRED: 'The peer is too far behind for ops; it must bootstrap from a snapshot.',
  NG_BAD_MESSAGE: 'A wire message is malformed or fails its schema.',
  NG_BAD_SIGNATURE: 'A message signature or proof does not verify.',
  NG_REPLAY: 'A message was replayed or is stale.',
  NG_REVOKED: 'The key or token has been revoked or has expired.',
  NG_NOT_LEADER: 'Only the cluster leader can do this.',
  NG_UNAVAILABLE: 'A required service is not reachable.',
  NG_NGINX_INVALID: 'nginx rejected the generated configuration.',
  NG_NGINX_RELOAD_FAILED: 'nginx passed the test but the reload did not verify (new workers, error log, local probe); the previous tree was restored.',
  NG_NGINX_DOWN: 'nginx is not running or could not be started.',
  NG_APPLY_SUPERSEDED: 'A newer configuration version was queued before this one was applied.',
  NG_ELECTRON_MISSING: 'The Electron runtime is not installed on this machine.',
  NG_INTERNAL: 'An unexpected internal error; see the node log.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A refusal that crosses a boundary: code for programs, message for people, path for forms. */
export class NgError extends Error {
  readonly code: ErrorCode;
  readonly path: readonly (string | number)[] | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: { path?: readonly (string | number)[]; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'NgError';
    this.code = code;
    this.path = opts.path;
    this.details = opts.details;
  }

  toJSON(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.path ? { path: [...this.path] } : {}), ...(this.details ? { details: this.details } : {}) };
  }
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  path?: (string | number)[];
  details?: Record<string, unknown>;
}

export const isNgError = (e: unknown): e is NgError => e instanceof NgError;

/** Results at process boundaries: no exceptions across the wire. */
export type Result<T> = { ok: true; value: T } | ({ ok: false } & ErrorBody);

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (e: NgError | ErrorBody): Result<never> => ({ ok: false, ...(e instanceof NgError ? e.toJSON() : e) });
