// Runs one procedure call for any transport: authenticate, parse the input with the contract's
// schema, authorize (src/main/api/authorize.ts, the only place that decides access), run the
// handler, and shape the output with its schema. Every refusal comes back as a coded Result.

import type { Logger } from '../log';
import { fail, isNgError, NgError, ok, type Result } from '../../shared/errors';
import { isProcedureName, procedures, type ProcedureDef, type ProcedureName } from '../../shared/api/contract';
import { API_TOKEN_PREFIX } from '../../shared/api/transport';
import { validationError } from '../../shared/validation';
import { DEFAULT_RENDER_OPTIONS, type RenderOptions } from '../../core/nginx';
import type { Store } from '../db/store';
import { ApiTokens } from '../auth/api-tokens';
import { LocalAudit } from '../auth/local-audit';
import { LoginThrottle } from '../auth/login-throttle';
import { Sessions } from '../auth/sessions';
import { ANONYMOUS, type Caller } from './caller';
import { authorize, requireAuthentication } from './authorize';
import type { AuthServices, Handler, Handlers, SessionEffect } from './context';
import { authHandlers } from './handlers/auth';
import { teamHandlers } from './handlers/teams';
import { domainHandlers } from './handlers/domains';
import { dnsHandlers } from './handlers/dns';
import { proxyHandlers } from './handlers/proxy';
import { auditHandlers } from './handlers/audit';
import { apiTokenHandlers } from './handlers/api-tokens';
import { fleetHandlers } from './handlers/fleet';
import { clusterHandlers } from './handlers/cluster';
import { remotePeerHandlers } from './handlers/remote-peers';
import type { ClusterControl } from '../cluster/cluster-service';
import type { TelemetryStore } from '../telemetry/telemetry-store';
import type { FleetControl, NotificationServices } from './context';
import { telemetryHandlers } from './handlers/telemetry';
import { alertRuleHandlers } from './handlers/alert-rules';
import { channelHandlers } from './handlers/channels';
import { agentHandlers } from './handlers/agents';
import { certificateHandlers } from './handlers/certificates';

const handlers: Handlers<ProcedureName> = {
  ...authHandlers, ...teamHandlers, ...domainHandlers, ...dnsHandlers, ...proxyHandlers, ...auditHandlers, ...apiTokenHandlers, ...fleetHandlers, ...clusterHandlers, ...remotePeerHandlers,
  ...telemetryHandlers, ...alertRuleHandlers, ...channelHandlers, ...agentHandlers, ...certificateHandlers,
};

/**
 * Render options used to check and preview proxy configs. Real agents choose their own; a resolver
 * is assumed here so that upstreams given by hostname are accepted (the agent refuses them if it has none).
 */
export const PREVIEW_RENDER_OPTIONS: RenderOptions = { ...DEFAULT_RENDER_OPTIONS, generatorVersion: 'netgoat preview', resolvers: ['127.0.0.53'] };

export interface DispatcherOptions {
  store: Store;
  logger?: Logger;
  now?: () => number;
  renderOptions?: RenderOptions;
  /** Login throttle tuning (tests); production defaults otherwise. */
  throttle?: { freeFailures?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** The node's LAN cluster, for the cluster.* procedures and peers.status. */
  cluster?: ClusterControl;
  /** Telemetry storage (opened with telemetryMigrations), for telemetry.query. */
  telemetry?: TelemetryStore;
  /** Notification delivery and secret sealing, for channels.*; also told of acknowledged and resolved incidents. */
  notifications?: NotificationServices;
  /** The node's agent gateway, for agents.* (live status, enrollment, revocation). */
  fleet?: FleetControl;
}

export interface Credentials {
  /** The session secret from the ng_session cookie (or held by the IPC adapter). */
  sessionSecret?: string | null;
  /** The value of an `Authorization: Bearer ...` header. */
  bearer?: string | null;
}

export interface CallOutcome {
  result: Result<unknown>;
  /** Session to start (a new secret) or end, for the transport to carry out. */
  session: SessionEffect;
}

export class ApiDispatcher {
  readonly store: Store;
  readonly auth: AuthServices;
  private readonly now: () => number;
  private readonly logger: Logger | undefined;
  private readonly renderOptions: RenderOptions;
  private readonly cluster: ClusterControl | null;
  private readonly telemetry: TelemetryStore | null;
  private readonly notifications: NotificationServices | null;
  private readonly fleet: FleetControl | null;

  constructor(opts: DispatcherOptions) {
    this.store = opts.store;
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger;
    this.renderOptions = opts.renderOptions ?? PREVIEW_RENDER_OPTIONS;
    this.cluster = opts.cluster ?? null;
    this.telemetry = opts.telemetry ?? null;
    this.notifications = opts.notifications ?? null;
    this.fleet = opts.fleet ?? null;
    this.auth = {
      sessions: new Sessions(opts.store.db, this.now),
      tokens: new ApiTokens(opts.store.db, this.now),
      throttle: new LoginThrottle({ now: this.now, ...opts.throttle }),
      localAudit: new LocalAudit(opts.store.db, opts.store.clock),
    };
  }

  /**
   * Who presents these credentials. A bearer token that is unknown, revoked or expired is refused
   * (NG_UNAUTHENTICATED); a stale session cookie just means "anonymous", so sign-in still works.
   */
  authenticate(creds: Credentials): Caller {
    if (creds.bearer) {
      const token = creds.bearer.startsWith(API_TOKEN_PREFIX) ? this.auth.tokens.verify(creds.bearer) : null;
      const user = token ? this.store.get('users', token.userId) : undefined;
      if (!token || !user || user.disabled) throw new NgError('NG_UNAUTHENTICATED', 'the API token is unknown, revoked or expired');
      return { kind: 'user', user, via: 'token', token };
    }
    if (creds.sessionSecret) {
      const session = this.auth.sessions.lookup(creds.sessionSecret);
      const user = session ? this.store.get('users', session.userId) : undefined;
      if (session && user && !user.disabled) return { kind: 'user', user, via: 'session', sessionIdHash: session.idHash };
    }
    return ANONYMOUS;
  }

  /** The caller for a session secret, or null (used by the event stream). */
  sessionCaller(secret: string): Caller | null {
    const c = this.authenticate({ sessionSecret: secret });
    return c.kind === 'user' ? c : null;
  }

  /** Whether a session is still live (its hash as held by a caller). */
  sessionAlive(caller: Caller): boolean {
    if (caller.kind !== 'user') return false;
    const user = this.store.get('users', caller.user.id);
    if (!user || user.disabled) return false;
    if (caller.via === 'token') return this.auth.tokens.get(caller.token.id)?.revokedAt === null;
    return this.auth.sessions.alive(caller.sessionIdHash);
  }

  async call(name: string, rawInput: unknown, caller: Caller, meta: { clientIp: string }): Promise<CallOutcome> {
    const session: SessionEffect = {};
    try {
      if (!isProcedureName(name)) throw new NgError('NG_NOT_FOUND', `no procedure named "${name.slice(0, 80)}"`, { path: ['procedure'] });
      const def: ProcedureDef = procedures[name];
      requireAuthentication(def, caller);
      const parsed = def.input.safeParse(rawInput ?? {});
      if (!parsed.success) throw validationError(parsed.error);
      const input = parsed.data as { teamId?: string };
      const { role } = authorize(this.store, name, def, caller, input);
      const handler = handlers[name] as Handler<ProcedureName>;
      const value = await handler(input as never, {
        store: this.store, auth: this.auth, caller, role, actor: caller.kind === 'user' ? caller.user.id : 'anonymous',
        clientIp: meta.clientIp, now: this.now, session, renderOptions: this.renderOptions, cluster: this.cluster,
        telemetry: this.telemetry, notifications: this.notifications, fleet: this.fleet,
      });
      const shaped = def.output.safeParse(value);
      if (!shaped.success) {
        this.logger?.error({ procedure: name, issues: shaped.error.issues.slice(0, 5) }, 'handler output does not match the contract');
        throw new NgError('NG_INTERNAL', `${name} produced a malformed answer; see the node log`);
      }
      return { result: ok(shaped.data), session };
    } catch (e) {
      if (isNgError(e)) return { result: fail(e), session };
      this.logger?.error({ err: e, procedure: name }, 'procedure failed');
      return { result: fail(new NgError('NG_INTERNAL', 'unexpected error; see the node log')), session };
    }
  }
}
