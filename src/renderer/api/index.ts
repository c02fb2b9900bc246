// The console's only way to the node: typed procedure calls, the event stream, and node info.
export { api, fetchNodeInfo } from './client';
export { subscribeEvents, reconnectDelay } from './events';
export { ApiError, headlineOf, messageForField, toApiError, unplacedError } from './errors';
export type { FieldPath } from './errors';
export type { InputOf, OutputOf, ProcedureName } from '../../shared/api/contract';
