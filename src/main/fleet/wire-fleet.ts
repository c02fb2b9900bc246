// The edge fleet inside a node: the agent gateway on the node's HTTP server (/agent/v1), telemetry
// storage fed by the gateway, notification delivery, the alert evaluator as a leader-only duty,
// and telemetry roll-up and retention on every node. startNode calls startFleet once.

import type { Store } from '../db/store';
import type { Logger } from '../log';
import type { HttpRoutes } from '../http-server';
import type { ClusterService } from '../cluster/cluster-service';
import { AGENT_GATEWAY_PATH } from '../../shared/wire/agent';
import { createAgentGateway, type AgentGateway } from '../gateway/index';
import { certificateUnsealer } from '../gateway/certificate-keys';
import { TelemetryIngest } from '../telemetry/telemetry-ingest';
import { TelemetryStore } from '../telemetry/telemetry-store';
import { TelemetryReplication } from '../telemetry/telemetry-replication';
import { NotificationDispatcher } from '../notify/dispatcher';
import type { DesktopNotifier } from '../notify/desktop';
import { SecretSealer, clusterSealKeys } from '../remote/secret-sealer';
import { startAlertEvaluator } from '../incidents/alert-evaluator';
import type { FleetControl, NotificationServices } from '../api/context';

export interface FleetOptions {
  /** How often the leader evaluates alert rules (default 5 s; tests shorten it). */
  alertIntervalMs?: number;
  /** How often telemetry roll-ups are recomputed and old buckets pruned (default one minute). */
  telemetryMaintenanceMs?: number;
  /** How often telemetry and agent presence are exchanged with the other members (default 1 s). */
  telemetryReplicationMs?: number;
  /** Desktop notifications (the Electron entry passes one; headless nodes have none). */
  desktop?: DesktopNotifier | null;
}

export interface Fleet {
  gateway: AgentGateway;
  telemetry: TelemetryStore;
  ingest: TelemetryIngest;
  /** Buckets, agent watermarks and agent presence shared with the other members. */
  replication: TelemetryReplication;
  notifications: NotificationServices;
  /** What the API's agents.* procedures use. */
  control: FleetControl;
  close(): Promise<void>;
}

/** ws://host:port/agent/v1 for a node whose HTTP server is at `nodeUrl` (http://host:port/). */
export function agentUrlFor(nodeUrl: string): string {
  const u = new URL(nodeUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = AGENT_GATEWAY_PATH;
  return u.toString();
}

export function startFleet(deps: { store: Store; logger: Logger; http: HttpRoutes; cluster: ClusterService; nodeUrl: string }, opts: FleetOptions = {}): Fleet {
  const { store, logger, http, cluster } = deps;
  const log = logger.child({ module: 'fleet' });
  const telemetry = new TelemetryStore(store.db, { origin: store.nodeId });
  const ingest = new TelemetryIngest({ store: telemetry });
  // Webhook secrets are replicated, so they are sealed under the cluster key (create or join a cluster first).
  const sealer = new SecretSealer(clusterSealKeys(cluster.keys));
  const dispatcher = new NotificationDispatcher({ store, openSecret: (s, context) => sealer.open(s, context), desktop: opts.desktop ?? null, logger: log });
  const notifications: NotificationServices = { dispatcher, sealer, logger: log };

  const gateway = createAgentGateway({ store, logger, telemetry: ingest, unsealCertificate: certificateUnsealer(sealer, log) });
  http.onUpgrade(AGENT_GATEWAY_PATH, (req, socket, head) => {
    if (!gateway.handleUpgrade(req, socket, head)) socket.destroy();
  });

  const replication = new TelemetryReplication({
    store: telemetry, channel: cluster.telemetryChannel(), localHealth: () => gateway.fleetHealth(), log,
    ...(opts.telemetryReplicationMs !== undefined ? { tickMs: opts.telemetryReplicationMs } : {}),
  });

  const unregisterAlerts = cluster.duties.register('alerts', (term) => {
    log.info({ term }, 'evaluating alert rules as the leader');
    return startAlertEvaluator({
      store, telemetry, logger: log,
      // An agent may be linked to any member's gateway: the freshest heartbeat from any of them counts.
      fleet: { agents: () => replication.fleetHealth() },
      notify: (notice) => dispatcher.notify(notice),
      ...(opts.alertIntervalMs !== undefined ? { intervalMs: opts.alertIntervalMs } : {}),
    });
  });

  // Every node keeps its own telemetry tables tidy: roll-ups and retention are node-local work.
  const maintenance = setInterval(() => {
    try {
      telemetry.prune(Date.now());
    } catch (e) {
      log.error({ err: e }, 'telemetry roll-up and pruning failed');
    }
  }, opts.telemetryMaintenanceMs ?? 60_000);
  maintenance.unref();

  const agentUrl = agentUrlFor(deps.nodeUrl);
  const control: FleetControl = {
    listAgents: (teamId) => gateway.listAgents(teamId),
    revokeAgent: (agentId, actor) => gateway.revokeAgent(agentId, actor),
    rotateAgentKey: (agentId, actor) => gateway.rotateAgentKey(agentId, actor),
    agentUrl: () => agentUrl,
  };

  return {
    gateway, telemetry, ingest, replication, notifications, control,
    async close() {
      clearInterval(maintenance);
      await unregisterAlerts();
      replication.close();
      await gateway.close();
    },
  };
}
