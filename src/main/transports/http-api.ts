// The API over HTTP for the web console and scripts: POST /api/rpc/<procedure> with a JSON body,
// GET /api/openapi.json, and the WebSocket event stream at /api/events. Sessions ride in an
// HttpOnly SameSite=Strict cookie (with a CSRF header check); scripts use Bearer API tokens.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { NgError, fail, isNgError, type ErrorBody, type Result } from '../../shared/errors';
import { EVENTS_PATH, MAX_BODY_BYTES, OPENAPI_PATH, RPC_PATH_PREFIX, SESSION_COOKIE } from '../../shared/api/transport';
import type { ApiEventMessage } from '../../shared/api/events';
import { httpStatusFor, readJsonBody } from '../http-server';
import type { Logger } from '../log';
import type { Store } from '../db/store';
import { checkCsrf, checkOrigin } from '../auth/csrf';
import { SESSION_MAX_MS } from '../auth/sessions';
import { ApiDispatcher, type DispatcherOptions } from '../api/dispatcher';
import { EventFeed } from '../api/event-feed';
import { buildOpenApi } from '../api/openapi';
import type { Caller } from '../api/caller';
import type { SessionEffect } from '../api/context';

export interface HttpApiOptions {
  store: Store;
  logger?: Logger;
  /** Version shown in the OpenAPI document. */
  version?: string;
  now?: () => number;
  /** Origins allowed besides the node's own, e.g. a Vite dev server. */
  extraOrigins?: readonly string[];
  /** Mark the session cookie Secure even on plain HTTP (it is always Secure over TLS). */
  secureCookies?: boolean;
  maxBodyBytes?: number;
  throttle?: DispatcherOptions['throttle'];
  cluster?: DispatcherOptions['cluster'];
  telemetry?: DispatcherOptions['telemetry'];
  notifications?: DispatcherOptions['notifications'];
  fleet?: DispatcherOptions['fleet'];
  /** Close an event-stream client whose unsent data passes this many bytes. */
  maxEventBufferBytes?: number;
}

export interface HttpApi {
  /** Handles /api/ requests; returns false for every other path, untouched. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Takes WebSocket upgrades for /api/events; returns false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  readonly dispatcher: ApiDispatcher;
  close(): void;
}

const MAX_WS_INBOUND_BYTES = 4096;
const MAX_EVENT_CLIENTS = 1000;
const HEARTBEAT_MS = 30_000;

function respond(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

function respondResult(res: ServerResponse, result: Result<unknown>, headers: Record<string, string | string[]> = {}): void {
  if (result.ok) return respond(res, 200, result, headers);
  const { ok: _ok, ...err } = result;
  if (err.code === 'NG_TOO_LARGE') headers.connection = 'close';
  respond(res, httpStatusFor(err.code), result, headers);
}

export function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

function bearerOf(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m) throw new NgError('NG_UNAUTHENTICATED', 'the Authorization header must be "Bearer ngt_..."', { path: ['headers', 'authorization'] });
  return m[1]!;
}

export function createHttpApi(opts: HttpApiOptions): HttpApi {
  const dispatcher = new ApiDispatcher({ store: opts.store, ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.now ? { now: opts.now } : {}), ...(opts.throttle ? { throttle: opts.throttle } : {}), ...(opts.cluster ? { cluster: opts.cluster } : {}),
    ...(opts.telemetry ? { telemetry: opts.telemetry } : {}), ...(opts.notifications ? { notifications: opts.notifications } : {}),
    ...(opts.fleet ? { fleet: opts.fleet } : {}) });
  const feed = new EventFeed(dispatcher);
  const extraOrigins = opts.extraOrigins ?? [];
  const maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const maxEventBuffer = opts.maxEventBufferBytes ?? 1024 * 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_INBOUND_BYTES });
  let openApiText: string | null = null;

  const sessionCookie = (req: IncomingMessage, value: string, maxAgeS: number): string => {
    const secure = opts.secureCookies || (req.socket as TLSSocket).encrypted === true;
    return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
  };

  const cookieFor = (req: IncomingMessage, effect: SessionEffect): Record<string, string> => {
    if (effect.start) return { 'set-cookie': sessionCookie(req, effect.start, Math.floor(SESSION_MAX_MS / 1000)) };
    if (effect.end) return { 'set-cookie': sessionCookie(req, '', 0) };
    return {};
  };

  async function rpc(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    try {
      if (req.method !== 'POST') {
        respond(res, 405, fail(new NgError('NG_BAD_MESSAGE', `use POST for ${RPC_PATH_PREFIX}${name}`)), { allow: 'POST' });
        return;
      }
      const bearer = bearerOf(req);
      // Browsers send cookies on their own; only a request that proves it came from our page may use one.
      if (!bearer) checkCsrf(req, extraOrigins);
      const type = req.headers['content-type'] ?? '';
      if (!/^application\/json\b/i.test(type)) throw new NgError('NG_BAD_MESSAGE', 'send the input as JSON with content-type: application/json', { path: ['headers', 'content-type'] });
      const body = await readJsonBody(req, maxBody);
      const caller = dispatcher.authenticate({ bearer, sessionSecret: bearer ? null : readCookie(req, SESSION_COOKIE) });
      const outcome = await dispatcher.call(name, body, caller, { clientIp: req.socket.remoteAddress ?? 'unknown' });
      respondResult(res, outcome.result, cookieFor(req, outcome.session));
    } catch (e) {
      const err = isNgError(e) ? e : new NgError('NG_INTERNAL', 'unexpected error; see the node log');
      if (!isNgError(e)) opts.logger?.error({ err: e }, 'http api request failed');
      if (res.headersSent) res.destroy();
      else respondResult(res, fail(err));
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = new URL(req.url ?? '/', 'http://node').pathname;
    if (path !== '/api' && !path.startsWith('/api/')) return false;
    if (path.startsWith(RPC_PATH_PREFIX)) {
      void rpc(req, res, decodeURIComponent(path.slice(RPC_PATH_PREFIX.length)));
    } else if (path === OPENAPI_PATH && req.method === 'GET') {
      openApiText ??= JSON.stringify(buildOpenApi(opts.version ?? 'dev'));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(openApiText);
    } else {
      req.resume();
      respond(res, 404, fail(new NgError('NG_NOT_FOUND', `no API endpoint ${req.method} ${path.slice(0, 100)}`)));
    }
    return true;
  }

  function refuseUpgrade(socket: Duplex, status: number, err: ErrorBody): void {
    const text = JSON.stringify({ ok: false, ...err });
    socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Service Unavailable'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = new URL(req.url ?? '/', 'http://node').pathname;
    if (path !== EVENTS_PATH) return false;
    let caller: Caller;
    try {
      checkOrigin(req, extraOrigins);
      const bearer = bearerOf(req);
      caller = dispatcher.authenticate({ bearer, sessionSecret: bearer ? null : readCookie(req, SESSION_COOKIE) });
      if (caller.kind !== 'user') throw new NgError('NG_UNAUTHENTICATED', 'sign in before opening the event stream');
      if (feed.size >= MAX_EVENT_CLIENTS) throw new NgError('NG_UNAVAILABLE', 'too many event-stream clients');
    } catch (e) {
      const err = isNgError(e) ? e : new NgError('NG_INTERNAL', 'unexpected error');
      refuseUpgrade(socket, httpStatusFor(err.code), err.toJSON());
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, caller));
    return true;
  }

  function attach(ws: WebSocket, caller: Caller): void {
    let alive = true;
    const send = (msg: ApiEventMessage): void => {
      // A consumer that cannot keep up is dropped rather than buffered without bound; it reconnects and re-fetches.
      if (ws.bufferedAmount > maxEventBuffer) {
        unsubscribe();
        ws.close(1013, 'slow consumer: reconnect and re-fetch');
        return;
      }
      ws.send(JSON.stringify(msg));
    };
    const unsubscribe = feed.subscribe(caller, send, () => ws.close(1008, 'session ended'));
    const heartbeat = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, HEARTBEAT_MS);
    heartbeat.unref();
    ws.on('pong', () => {
      alive = true;
    });
    // The stream is one-way; anything a client sends is ignored (size-capped by maxPayload).
    ws.on('message', () => undefined);
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  }

  return {
    handle,
    handleUpgrade,
    dispatcher,
    close() {
      feed.close();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
