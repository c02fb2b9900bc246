// A real node:http server on 127.0.0.1:0 serving the HTTP API over a real Store in a temp dir,
// plus a small client that keeps a session cookie the way a browser would. Telemetry storage and
// notification delivery are wired in, as in a node (a fixed seal key stands in for the cluster's).

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Store } from '../../src/main/db/store';
import { authMigrations } from '../../src/main/auth/schema';
import { createHttpApi, type HttpApi, type HttpApiOptions } from '../../src/main/transports/http-api';
import { TelemetryStore, telemetryMigrations } from '../../src/main/telemetry/telemetry-store';
import { NotificationDispatcher, notifyMigrations } from '../../src/main/notify/dispatcher';
import { SecretSealer, staticSealKeys } from '../../src/main/remote/secret-sealer';

export interface TestNode {
  url: string;
  store: Store;
  api: HttpApi;
  /** Null when started with `bare`. */
  telemetry: TelemetryStore | null;
  notifications: NotificationDispatcher | null;
  close(): Promise<void>;
}

export interface TestNodeOptions extends Partial<Omit<HttpApiOptions, 'store'>> {
  /** Leave telemetry and notifications unwired (their procedures then answer NG_UNAVAILABLE). */
  bare?: boolean;
}

export async function startTestNode(opts: TestNodeOptions = {}): Promise<TestNode> {
  const { bare, ...apiOpts } = opts;
  const dir = mkdtempSync(join(tmpdir(), 'ng-api-'));
  const store = Store.open({ path: join(dir, 'node.db'), migrations: [...authMigrations, ...telemetryMigrations, ...notifyMigrations], durability: 'normal' });
  const telemetry = bare ? null : new TelemetryStore(store.db);
  const sealer = new SecretSealer(staticSealKeys(randomBytes(32)));
  // Short retry waits: a webhook test must not sit out production backoff.
  const notifications = bare ? null : new NotificationDispatcher({ store, openSecret: (s, c) => sealer.open(s, c), sender: { maxAttempts: 2, baseDelayMs: 5, timeoutMs: 5_000 } });
  const api = createHttpApi({
    store, ...(telemetry ? { telemetry } : {}), ...(notifications ? { notifications: { dispatcher: notifications, sealer } } : {}), ...apiOpts,
  });
  const server: Server = createServer((req, res) => {
    if (!api.handle(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  server.on('upgrade', (req, socket, head) => {
    if (!api.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, store, api, telemetry, notifications,
    async close() {
      api.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Replies are shaped by the contract and checked by each test's assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface RpcReply {
  status: number;
  body: { ok: boolean; value?: Json; code?: string; message?: string; path?: (string | number)[]; details?: Json };
  headers: Headers;
}

/** A client: a cookie jar of one session cookie, the CSRF header, or a bearer token. */
export class Client {
  cookie: string | null = null;
  constructor(readonly base: string, readonly opts: { bearer?: string; csrf?: boolean } = {}) {}

  async call(name: string, input: unknown, extraHeaders: Record<string, string> = {}): Promise<RpcReply> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
    if (this.opts.bearer) headers.authorization = `Bearer ${this.opts.bearer}`;
    else if (this.opts.csrf !== false) headers['x-netgoat-csrf'] = '1';
    if (this.cookie && !this.opts.bearer) headers.cookie = this.cookie;
    const res = await fetch(`${this.base}/api/rpc/${name}`, { method: 'POST', headers, body: JSON.stringify(input) });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const pair = setCookie.split(';')[0]!;
      this.cookie = pair.endsWith('=') ? null : pair;
    }
    return { status: res.status, body: (await res.json()) as RpcReply['body'], headers: res.headers };
  }

  /** Calls and asserts success, returning the value. */
  async ok(name: string, input: unknown): Promise<Json> {
    const r = await this.call(name, input);
    if (r.status !== 200) throw new Error(`${name} failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.value;
  }
}
