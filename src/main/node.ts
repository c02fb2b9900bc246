// The composition root of a Netgoat node: the one place that builds a running node from its parts.
// `netgoat serve` and the Electron entry both call startNode, so the desktop and the headless node
// cannot drift apart. Everything started here is owned and closed in reverse order.

import { limitHeapGrowth } from './heap-growth';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import packageJson from '../../package.json' with { type: 'json' };
import type { NodeInfo } from '../shared/node-info';
import { Store } from './db/store';
import { databasePath } from './data-dir';
import { NodeHttpServer, sendJson, type HttpRoutes } from './http-server';
import type { Logger } from './log';
import { authMigrations } from './auth/schema';
import { createHttpApi } from './transports/http-api';
import type { ApiDispatcher } from './api/dispatcher';
import { DEFAULT_PEER_PORT } from './args';
import { clusterMigrations } from './cluster/migrations';
import { ClusterService } from './cluster/cluster-service';
import { chooseMdnsAddress } from './discovery/interface';
import { agentLinkMigrations, listenAgentGateway, pinnedAgentUrl } from './gateway/index';
import { telemetryMigrations } from './telemetry/telemetry-store';
import { notifyMigrations } from './notify/dispatcher';
import { startFleet, type Fleet, type FleetOptions } from './fleet/wire-fleet';

export const NETGOAT_VERSION: string = packageJson.version;

export interface StartNodeOptions {
  dataDir: string;
  host: string;
  /** 0 picks a free port; the chosen one is in RunningNode.url. */
  port: number;
  logger: Logger;
  /** Fixed node id (tests); otherwise the one stored in the database, or a new one. */
  nodeId?: string;
  /** Folder of the built web console to serve at `/`. */
  webRoot?: string;
  /** better-sqlite3 build for this runtime's ABI (Electron); see native-binding.ts. */
  nativeBinding?: string;
  /** The LAN cluster: peer links, election, discovery (docs/cluster.md). */
  cluster?: ClusterOptions;
  /** The edge fleet: agent gateway, telemetry, alerts, notifications (docs/PROTOCOL-agent.md, docs/telemetry.md). */
  fleet?: FleetOptions;
  /** Also serve the agent gateway over wss:// with the node certificate on this port (0: any free one) of `host`. */
  agentPort?: number;
}

export interface ClusterOptions {
  /** Peer-link port (default 7381; 0 picks a free one). */
  peerPort?: number;
  /** Address the peer links listen on (default: the HTTP host). */
  peerHost?: string;
  /** wss:// address other members dial (default: wss://peerHost:peerPort). */
  advertise?: string;
  /** Shown to the other members (default: the machine's hostname). */
  name?: string;
  /** Election priority 0..1000 (default: the stored one, else 100). */
  priority?: number;
  /** mDNS advertising and browsing (default true). Tests on the machine's own interfaces pass false. */
  discovery?: boolean;
}

export interface RunningNode {
  /** The API dispatcher, for transports other than HTTP (Electron IPC). */
  api: ApiDispatcher;
  /** Base URL of the node's HTTP server, e.g. http://127.0.0.1:7380/. */
  url: string;
  nodeId: string;
  store: Store;
  http: HttpRoutes;
  logger: Logger;
  /** Peer links, election and leader duties: `cluster.duties.register(name, start)` for leader-only work. */
  cluster: ClusterService;
  /** The agent gateway (at /agent/v1 on the HTTP server), telemetry storage and notification delivery. */
  fleet: Fleet;
  /** The URL agents enroll with: wss:// on the agent port with the certificate pin, else ws:// on the HTTP port. */
  agentUrl: string;
  info(): NodeInfo;
  /** Registers something to close with the node; closed before everything registered earlier. */
  own(name: string, close: () => void | Promise<void>): void;
  /** Closes everything the node owns, newest first. Safe to call more than once. */
  close(): Promise<void>;
}

interface Owned {
  name: string;
  close: () => void | Promise<void>;
}

async function closeAll(owned: Owned[], logger: Logger): Promise<void> {
  for (const item of owned.splice(0).reverse()) {
    try {
      await item.close();
      logger.debug({ part: item.name }, 'closed');
    } catch (e) {
      // One part failing to close must not keep the others (the database above all) open.
      logger.error({ err: e, part: item.name }, 'failed to close');
    }
  }
}

export async function startNode(opts: StartNodeOptions): Promise<RunningNode> {
  const { logger } = opts;
  const owned: Owned[] = [];
  const startedAt = Date.now();
  limitHeapGrowth();
  try {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    const store = Store.open({
      path: databasePath(opts.dataDir),
      ...(opts.nodeId ? { nodeId: opts.nodeId } : {}),
      ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
      migrations: [...authMigrations, ...clusterMigrations, ...agentLinkMigrations, ...telemetryMigrations, ...notifyMigrations],
    });
    owned.push({ name: 'store', close: () => store.close() });

    const info = (): NodeInfo => ({ status: 'ok', nodeId: store.nodeId, version: NETGOAT_VERSION, uptimeS: Math.floor((Date.now() - startedAt) / 1000) });

    const http = new NodeHttpServer({ logger, webRoot: opts.webRoot });
    http.route('GET', '/healthz', (_req, res) => sendJson(res, 200, info()));
    // Listen first: a taken HTTP port fails the start before any peer port or mDNS is opened.
    const url = await http.listen(opts.host, opts.port);
    owned.push({ name: 'http', close: () => http.close() });

    const cluster = await startCluster(store, logger, opts);
    owned.push({ name: 'cluster', close: () => cluster.close() });

    // Closed before the cluster, so the alert duty is unregistered while the duties still run.
    const fleet = startFleet({ store, logger, http, cluster, nodeUrl: url }, opts.fleet);
    owned.push({ name: 'fleet', close: () => fleet.close() });
    let control = fleet.control;
    if (opts.agentPort !== undefined) {
      const cert = cluster.certificate;
      const agents = await listenAgentGateway(fleet.gateway, { host: opts.host, port: opts.agentPort, tls: { cert: cert.certPem, key: cert.keyPem } });
      owned.push({ name: 'agent-port', close: () => agents.close() });
      const pinned = pinnedAgentUrl(agents.url, cert.fingerprint);
      control = { ...control, agentUrl: () => pinned };
    }

    // The typed API (docs/API.md): RPC, OpenAPI and the event stream for the console and scripts.
    const api = createHttpApi({
      store, logger, version: NETGOAT_VERSION, cluster,
      telemetry: fleet.telemetry, notifications: fleet.notifications, fleet: control,
    });
    for (const method of ['GET', 'POST']) http.route(method, '/api/*', (req, res) => void api.handle(req, res));
    http.onUpgrade('/api/events', (req, socket, head) => void api.handleUpgrade(req, socket, head));
    owned.push({ name: 'api', close: () => api.close() });

    logger.info({ nodeId: store.nodeId, dataDir: opts.dataDir, url, peerAddress: cluster.peerAddress, version: NETGOAT_VERSION }, 'node started');
    let closing: Promise<void> | undefined;
    return {
      url,
      nodeId: store.nodeId,
      store,
      api: api.dispatcher,
      http,
      logger,
      cluster,
      fleet,
      agentUrl: control.agentUrl(),
      info,
      own: (name, close) => {
        if (closing) throw new Error(`cannot register ${name}: the node is closing`);
        owned.push({ name, close });
      },
      close: () => {
        closing ??= closeAll(owned, logger).then(() => logger.info({ nodeId: store.nodeId }, 'node stopped'));
        return closing;
      },
    };
  } catch (e) {
    await closeAll(owned, logger);
    throw e;
  }
}

/** Peer links on their own port, the election over them, and (unless turned off) mDNS discovery. */
function startCluster(store: Store, logger: Logger, opts: StartNodeOptions): Promise<ClusterService> {
  const c = opts.cluster ?? {};
  const listen = { host: c.peerHost ?? opts.host, port: c.peerPort ?? DEFAULT_PEER_PORT };
  const advertise = c.advertise ?? wildcardAdvertise(listen, logger);
  return ClusterService.start({
    store, log: logger, listen,
    name: c.name ?? hostname().slice(0, 80),
    discovery: c.discovery ?? true,
    ...(c.priority !== undefined ? { priority: c.priority } : {}),
    ...(advertise ? { advertisedAddress: advertise } : {}),
  });
}

/** Nobody can dial wss://0.0.0.0: a node listening on every interface is dialed at its LAN address. */
function wildcardAdvertise(listen: { host: string; port: number }, logger: Logger): string | undefined {
  if (!['0.0.0.0', '::', '[::]'].includes(listen.host) || listen.port === 0) return undefined;
  try {
    return `wss://${chooseMdnsAddress()}:${listen.port}`;
  } catch (e) {
    logger.warn({ err: (e as Error).message }, 'no LAN address to advertise for the peer links; pass --advertise');
    return undefined;
  }
}
