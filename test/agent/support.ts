// A real node-side agent gateway for tests: a Store in a temp folder, the gateway on a loopback
// HTTP server, helpers to write domains, and a raw signed WebSocket client.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { Store } from '../../src/main/db/store';
import { createLogger } from '../../src/main/log';
import { agentLinkMigrations, createAgentGateway, listenAgentGateway, type AgentGateway, type TelemetrySink, type UnsealCertificate } from '../../src/main/gateway/index';
import { telemetryMigrations } from '../../src/main/telemetry/telemetry-store';
import { domainId } from '../../src/shared/ids';
import { AGENT_SUBPROTOCOL, bodyText } from '../../src/shared/wire/agent';
import { sealEnvelope } from '../../src/shared/wire/agent-envelope';
import { nodeEnvelopeCrypto } from '../../src/main/gateway/crypto';
import type { ProxyConfig } from '../../src/shared/schemas/proxy';

export const TEAM = 'team1';

export interface TestNode {
  dir: string;
  store: Store;
  gateway: AgentGateway;
  url: string;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A node's gateway; `dir` reuses a store folder (a node restart). */
export async function startTestNode(opts: { dir?: string; port?: number; pingIntervalMs?: number; unsealCertificate?: UnsealCertificate; telemetry?: (store: Store) => TelemetrySink } = {}): Promise<TestNode> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ng-gw-'));
  const store = Store.open({ path: join(dir, 'node.db'), migrations: [...agentLinkMigrations, ...telemetryMigrations], durability: 'normal' });
  const gateway = createAgentGateway({
    store, logger: createLogger({ level: 'silent' }), flushIntervalMs: 50,
    ...(opts.pingIntervalMs ? { pingIntervalMs: opts.pingIntervalMs } : {}),
    ...(opts.unsealCertificate ? { unsealCertificate: opts.unsealCertificate } : {}),
    ...(opts.telemetry ? { telemetry: opts.telemetry(store) } : {}),
  });
  const listener = await listenAgentGateway(gateway, { host: '127.0.0.1', port: opts.port ?? 0 });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await gateway.close();
    await listener.close();
    store.close();
  };
  return { dir, store, gateway, url: listener.url, stop, cleanup: async () => { await stop(); rmSync(dir, { recursive: true, force: true }); } };
}

export function upstreamProxy(id: string, port: number, extra: Partial<ProxyConfig> = {}): ProxyConfig {
  return {
    teamId: TEAM, domainId: id,
    upstreamPools: [{ name: 'web', method: 'round_robin', servers: [{ host: '127.0.0.1', port, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false }] }],
    routes: [{ path: '/', match: 'prefix', pool: 'web' }],
    wafRules: [], cache: { mode: 'off', ttlSeconds: 60 }, rateLimit: { enabled: false, requestsPerSecond: 10, burst: 0 }, headers: [],
    ...extra,
  };
}

/** Writes a domain (and its proxy config when given); returns its id. */
export function writeDomain(store: Store, hostname: string, opts: { labels?: string[]; team?: string; proxy?: (id: string) => ProxyConfig; waf?: boolean } = {}): string {
  const team = opts.team ?? TEAM;
  const id = domainId(team, hostname);
  store.transaction(() => {
    store.write('domains', id, {
      teamId: team, hostname, tls: { status: 'Pending', certificateId: null, notAfter: null }, wafEnabled: opts.waf ?? false, targetLabels: opts.labels ?? [], createdAt: 1,
    }, { actor: 'usr_test' });
    if (opts.proxy) store.write('proxy_configs', id, opts.proxy(id), { actor: 'usr_test' });
  });
  return id;
}

export interface RawClient {
  ws: WebSocket;
  /** Parsed frames received so far. */
  frames: unknown[];
  next(predicate?: (f: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  sendSigned(key: { kid: string; secret: string }, body: object, ts?: number): string;
  closed: Promise<{ code: number; reason: string }>;
}

/** A client of the agent protocol; `autoPong: false` makes one that never answers the node's pings. */
export function connectRaw(url: string, opts: { autoPong?: boolean } = {}): Promise<RawClient> {
  const ws = new WebSocket(url, AGENT_SUBPROTOCOL, { autoPong: opts.autoPong ?? true });
  const frames: unknown[] = [];
  const waiters = new Set<() => void>();
  let read = 0;
  ws.on('message', (d) => {
    frames.push(JSON.parse(d.toString()));
    waiters.forEach((w) => w());
  });
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => {
    r({ code, reason: reason.toString() });
    waiters.forEach((w) => w());
  }));
  const client: RawClient = {
    ws, frames, closed,
    next: (predicate = () => true, timeoutMs = 10_000) => new Promise((resolve, reject) => {
      const check = () => {
        while (read < frames.length) {
          const f = frames[read++] as Record<string, unknown>;
          if (predicate(f)) {
            waiters.delete(check);
            clearTimeout(timer);
            return resolve(f);
          }
        }
        if (ws.readyState === WebSocket.CLOSED) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`socket closed; frames: ${JSON.stringify(frames).slice(0, 2000)}`));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching frame within ${timeoutMs} ms; frames: ${JSON.stringify(frames).slice(0, 2000)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    }),
    sendSigned: (key, body, ts = Date.now()) => {
      const frame = sealEnvelope(nodeEnvelopeCrypto, key, bodyText(body), ts);
      ws.send(frame);
      return frame;
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}

/** The body of a signed frame (tests read what the node pushed). */
export const bodyOf = (frame: Record<string, unknown>): Record<string, unknown> => (typeof frame.body === 'string' ? JSON.parse(frame.body) : {}) as Record<string, unknown>;
