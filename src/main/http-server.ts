// The node's HTTP front door (node:http, no framework): a small registry where features add routes
// and WebSocket upgrade handlers, the built web console as static files, and coded JSON errors.
// Every request body is read through readJsonBody, which enforces a size cap.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NgError, type ErrorCode } from '../shared/errors';
import type { Logger } from './log';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** What later features see of the server: they add routes and upgrade handlers, nothing else. */
export interface HttpRoutes {
  /** `path` matches exactly, or as a prefix when it ends in `/*` (e.g. `/api/*`). */
  route(method: string, path: string, handler: RouteHandler): void;
  /** Hands over upgrade requests whose path starts with `pathPrefix`; the handler owns the socket from then on. */
  onUpgrade(pathPrefix: string, handler: UpgradeHandler): void;
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  NG_VALIDATION: 400,
  NG_BAD_MESSAGE: 400,
  NG_UNAUTHENTICATED: 401,
  NG_BAD_SIGNATURE: 401,
  NG_FORBIDDEN: 403,
  NG_REVOKED: 403,
  NG_NOT_FOUND: 404,
  NG_CONFLICT: 409,
  NG_NOT_LEADER: 409,
  NG_TOO_LARGE: 413,
  NG_RATE_LIMITED: 429,
  NG_UNAVAILABLE: 503,
};

export const httpStatusFor = (code: ErrorCode): number => STATUS_BY_CODE[code] ?? 500;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function sendError(res: ServerResponse, err: NgError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A refused body may still be arriving; closing the connection keeps the client from sending the rest.
  if (err.code === 'NG_TOO_LARGE') res.setHeader('connection', 'close');
  sendJson(res, httpStatusFor(err.code), err.toJSON());
}

/**
 * Reads and parses a JSON request body of at most `maxBytes`. A larger body is refused with
 * NG_TOO_LARGE as soon as its declared length or its running size passes the cap; the rest is
 * discarded unread, never buffered.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () => new NgError('NG_TOO_LARGE', `request body exceeds ${maxBytes} bytes`, { details: { maxBytes } });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return reject(new NgError('NG_VALIDATION', 'request body is empty; a JSON document was expected'));
      try {
        resolveBody(JSON.parse(text));
      } catch (e) {
        reject(new NgError('NG_VALIDATION', `request body is not valid JSON: ${(e as Error).message}`));
      }
    };
    const onError = (e: Error) => {
      cleanup();
      reject(new NgError('NG_BAD_MESSAGE', `request body could not be read: ${e.message}`));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

interface Route {
  method: string;
  path: string;
  prefix: boolean;
  handler: RouteHandler;
}

export interface NodeHttpServerOptions {
  logger: Logger;
  /** Folder of the built web console; without one, `/` explains how to build it. */
  webRoot?: string | undefined;
  /** How long in-flight requests may finish after close() before their connections are cut. */
  closeGraceMs?: number;
}

export class NodeHttpServer implements HttpRoutes {
  private readonly server: Server;
  private readonly routes: Route[] = [];
  private readonly upgrades: { prefix: string; handler: UpgradeHandler }[] = [];
  private readonly logger: Logger;
  private readonly webRoot: string | undefined;
  private readonly closeGraceMs: number;
  private closing: Promise<void> | undefined;

  constructor(opts: NodeHttpServerOptions) {
    this.logger = opts.logger;
    this.webRoot = opts.webRoot ? resolve(opts.webRoot) : undefined;
    this.closeGraceMs = opts.closeGraceMs ?? 1000;
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.server.on('clientError', (err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      this.logger.debug({ err: err.message }, 'malformed HTTP request');
    });
  }

  route(method: string, path: string, handler: RouteHandler): void {
    const prefix = path.endsWith('/*');
    const base = prefix ? path.slice(0, -1) : path;
    const m = method.toUpperCase();
    if (this.routes.some((r) => r.method === m && r.path === base && r.prefix === prefix)) {
      throw new NgError('NG_CONFLICT', `HTTP route ${m} ${path} is registered twice`);
    }
    this.routes.push({ method: m, path: base, prefix, handler });
  }

  onUpgrade(pathPrefix: string, handler: UpgradeHandler): void {
    if (this.upgrades.some((u) => u.prefix === pathPrefix)) throw new NgError('NG_CONFLICT', `upgrade handler for ${pathPrefix} is registered twice`);
    this.upgrades.push({ prefix: pathPrefix, handler });
    // Longest prefix first, so /api/events wins over /api.
    this.upgrades.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Starts listening; resolves to the base URL (e.g. http://127.0.0.1:7380/). */
  listen(host: string, port: number): Promise<string> {
    return new Promise((resolveUrl, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        reject(new NgError('NG_UNAVAILABLE', `cannot listen on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is already in use' : e.message}`));
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        const actualPort = typeof address === 'object' && address ? address.port : port;
        resolveUrl(`http://${host.includes(':') ? `[${host}]` : host}:${actualPort}/`);
      });
    });
  }

  /** Stops accepting, lets in-flight requests finish for a short grace period, then cuts what is left. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((done) => {
      if (!this.server.listening) return done();
      const force = setTimeout(() => this.server.closeAllConnections(), this.closeGraceMs);
      force.unref();
      this.server.close(() => {
        clearTimeout(force);
        done();
      });
      this.server.closeIdleConnections();
    });
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('x-content-type-options', 'nosniff');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://node.invalid');
    } catch {
      return sendError(res, new NgError('NG_VALIDATION', 'malformed request URL'));
    }
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      const matching = this.routes.filter((r) => (r.prefix ? url.pathname.startsWith(r.path) : url.pathname === r.path));
      const route = matching.find((r) => r.method === method);
      if (route) return await route.handler(req, res, url);
      if (matching.length > 0) {
        res.setHeader('allow', [...new Set(matching.map((r) => r.method))].join(', '));
        return sendJson(res, 405, { code: 'NG_VALIDATION', message: `${method} is not allowed on ${url.pathname}` });
      }
      if (method === 'GET' || method === 'HEAD') return await this.serveStatic(req, res, url);
      sendError(res, new NgError('NG_NOT_FOUND', `no such endpoint: ${method} ${url.pathname}`));
    } catch (e) {
      if (e instanceof NgError) return sendError(res, e);
      this.logger.error({ err: e, method, path: url.pathname }, 'request handler failed');
      sendError(res, new NgError('NG_INTERNAL', 'internal error; see the node log'));
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0]!;
    const entry = this.upgrades.find((u) => path.startsWith(u.prefix));
    if (!entry) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    try {
      entry.handler(req, socket, head);
    } catch (e) {
      this.logger.error({ err: e, path }, 'upgrade handler failed');
      socket.destroy();
    }
  }

  private async serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!this.webRoot) return this.consoleMissing(res);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      throw new NgError('NG_VALIDATION', 'malformed percent-encoding in the request path');
    }
    if (path.includes('\0')) throw new NgError('NG_VALIDATION', 'the request path contains a NUL byte');
    // resolve() folds every `..`; whatever lands outside the web root is refused, never read.
    const file = resolve(this.webRoot, `.${path}`);
    if (file !== this.webRoot && !file.startsWith(this.webRoot + sep)) throw new NgError('NG_NOT_FOUND', `no such file: ${url.pathname}`);

    let target = file;
    let info = await stat(target).catch(() => undefined);
    if (info?.isDirectory()) {
      target = join(target, 'index.html');
      info = await stat(target).catch(() => undefined);
    }
    // Client-side routes (/domains/42) have no file: they get the app shell. Missing assets stay 404.
    if (!info && extname(path) === '') {
      target = join(this.webRoot, 'index.html');
      info = await stat(target).catch(() => undefined);
      if (!info) return this.consoleMissing(res);
    }
    if (!info || !info.isFile()) throw new NgError('NG_NOT_FOUND', `no such file: ${url.pathname}`);

    const type = CONTENT_TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream';
    // Vite fingerprints everything under assets/, so those can be cached for good; the shell never.
    const immutable = target.startsWith(join(this.webRoot, 'assets') + sep);
    res.writeHead(200, {
      'content-type': type,
      'content-length': info.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    await pipeline(createReadStream(target), res);
  }

  private consoleMissing(res: ServerResponse): void {
    const text = 'The Netgoat web console is not built. Run `npm run build:web` (or start the node with `npm run serve`, which builds it).\n';
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  }
}
