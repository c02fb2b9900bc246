// Names both ends of each transport agree on: HTTP paths, the session cookie, the CSRF header and
// the Electron IPC channels.

import type { ProcedureName } from './contract';

export const RPC_PATH_PREFIX = '/api/rpc/';
export const OPENAPI_PATH = '/api/openapi.json';
export const EVENTS_PATH = '/api/events';

export const SESSION_COOKIE = 'ng_session';
/** Cookie-authenticated POSTs must carry this header with value "1" (a cross-site form cannot). */
export const CSRF_HEADER = 'x-netgoat-csrf';
/** API tokens are sent as `Authorization: Bearer ngt_...`. */
export const API_TOKEN_PREFIX = 'ngt_';

/** Request bodies larger than this are refused with NG_TOO_LARGE (HTTP 413). */
export const MAX_BODY_BYTES = 256 * 1024;

export const ipcChannelFor = (name: ProcedureName): string => `netgoat:rpc:${name}`;
/** main → renderer: ApiEventMessage batches after `netgoat:events:subscribe`. */
export const IPC_EVENTS_CHANNEL = 'netgoat:events';
export const IPC_SUBSCRIBE_CHANNEL = 'netgoat:events:subscribe';
