// What a procedure handler gets: the store, the auth services, who is calling (already
// authorized), and a place to ask the transport to start or end a session.

import type { ParsedInputOf, OutputOf, ProcedureName } from '../../shared/api/contract';
import type { Role } from '../../shared/api/roles';
import type { Store } from '../db/store';
import type { ApiTokens } from '../auth/api-tokens';
import type { LocalAudit } from '../auth/local-audit';
import type { LoginThrottle } from '../auth/login-throttle';
import type { Sessions } from '../auth/sessions';
import type { Caller } from './caller';
import type { RenderOptions } from '../../core/nginx';
import type { ClusterControl } from '../cluster/cluster-service';
import type { Logger } from '../log';
import type { TelemetryStore } from '../telemetry/telemetry-store';
import type { NotificationDispatcher } from '../notify/dispatcher';
import type { SecretSealer } from '../remote/secret-sealer';
import type { AgentView } from '../gateway/agents-admin';

/** What the channels.* procedures need: delivery, and sealing new webhook secrets. */
export interface NotificationServices {
  dispatcher: NotificationDispatcher;
  sealer: Pick<SecretSealer, 'seal'>;
  /** Where a notice that could not be sent at all (e.g. a secret that no longer opens) is reported. */
  logger?: Logger;
}

/** What the agents.* procedures need from the node's agent gateway (live status, revoking with an instant disconnect). */
export interface FleetControl {
  listAgents(teamId: string): AgentView[];
  revokeAgent(agentId: string, actor: string): void;
  rotateAgentKey(agentId: string, actor: string): { kid: string };
  /** The gateway address agents enroll and connect to, e.g. ws://10.0.0.5:7380/agent/v1. */
  agentUrl(): string;
}

export interface AuthServices {
  sessions: Sessions;
  tokens: ApiTokens;
  throttle: LoginThrottle;
  localAudit: LocalAudit;
}

/** Filled by auth handlers; the transport turns it into a cookie (HTTP) or a held session (IPC). */
export interface SessionEffect {
  start?: string;
  end?: boolean;
}

export interface HandlerContext {
  store: Store;
  auth: AuthServices;
  caller: Caller;
  /** The caller's effective role in input.teamId, for team-scoped procedures. */
  role: Role | null;
  /** Recorded as the op actor: the user id, or "anonymous" for first-run setup. */
  actor: string;
  clientIp: string;
  now: () => number;
  session: SessionEffect;
  /** Options for validating and previewing nginx configs. */
  renderOptions: RenderOptions;
  /** The node's LAN cluster; null where the API runs without one (API tests). */
  cluster: ClusterControl | null;
  /** Telemetry storage; null where the API runs without it (telemetry.query answers NG_UNAVAILABLE). */
  telemetry: TelemetryStore | null;
  /** Notification channels' delivery; null where the API runs without it (channels.* answer NG_UNAVAILABLE). */
  notifications: NotificationServices | null;
  /** The node's agent gateway; null where the API runs without one (agents show as Unknown). */
  fleet: FleetControl | null;
}

export type Handler<N extends ProcedureName> = (input: ParsedInputOf<N>, ctx: HandlerContext) => OutputOf<N> | Promise<OutputOf<N>>;

export type Handlers<K extends ProcedureName> = { [N in K]: Handler<N> };
