// The agent gateway of a node: a WebSocket endpoint where agents enroll, then hold a signed session
// over which the node pushes each agent's desired state (per-domain diffs against what the agent
// acknowledged) and records what the agent reports having applied.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log';
import type { ChangeEvent, Store, Stored } from '../db/store';
import { NgError, isNgError } from '../../shared/errors';
import {
  AGENT_GATEWAY_PATH, AGENT_SUBPROTOCOL, CLOSE_REFUSED, CLOSE_REVOKED, MAX_AGENT_FRAME_BYTES,
  bodyText, enrollRequest, type AckBody, type DesiredDomain, type NodeBody,
} from '../../shared/wire/agent';
import { NonceWindow, openEnvelope } from '../../shared/wire/agent-envelope';
import { diffDesired, selectorKey, type AgentSelector } from '../../core/desired/index';
import { validationError } from '../../shared/validation';
import { nodeEnvelopeCrypto } from './crypto';
import { checkSessionBody } from './agent-body-check';
import { SharedBody, sendSealed, type SigningKey } from './shared-body';
import { AgentWebSocket, acceptHandshake } from './agent-websocket';
import { hmacKey, hmacSha256Hex } from './hmac';
import { LinkTable, agentLinkMigrations, emptyLink, type LinkRecord } from './link-table';
import { DesiredGroup, DesiredSourceReader, type UnsealCertificate } from './desired-groups';
import {
  agentView, createEnrollmentToken, enrollWithToken, revokeAgent, rotateAgentKey,
  type AgentView, type NewEnrollmentToken,
} from './agents-admin';
import type { z } from 'zod';
import type { AgentHealth } from '../../core/alerts/evaluate';
import type { IngestResult } from '../telemetry/telemetry-ingest';

export { agentLinkMigrations };

export interface AgentGatewayOptions {
  store: Store;
  logger: Logger;
  now?: () => number;
  /** Turns a stored certificate into PEM chain + key for the agent; without it agents get no key material. */
  unsealCertificate?: UnsealCertificate;
  /** Liveness sweep period: a link quiet for a whole period is pinged, and dropped if still quiet at the next. */
  pingIntervalMs?: number;
  /** How often link records are written to the node-local table (default 2 s). */
  flushIntervalMs?: number;
  /** Where telemetry batches from agents go (TelemetryIngest); without it every batch is refused as NG_UNAVAILABLE. */
  telemetry?: TelemetrySink;
}

export interface TelemetrySink {
  accept(agentId: string, teamId: string, raw: unknown): IngestResult;
}

export interface AgentAck {
  agentId: string;
  version: number;
  ok: boolean;
}

export interface AgentGateway {
  /** For the HTTP server's upgrade event: true when the request was ours (then the socket is ours too). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  createEnrollmentToken(input: Parameters<typeof createEnrollmentToken>[1]): NewEnrollmentToken;
  listAgents(teamId: string): AgentView[];
  getAgent(agentId: string): AgentView | undefined;
  revokeAgent(agentId: string, actor: string): void;
  rotateAgentKey(agentId: string, actor: string): { kid: string };
  isConnected(agentId: string): boolean;
  /** Every live agent's health as this node sees it, for the alert evaluator. */
  fleetHealth(): AgentHealth[];
  /** Every acknowledged apply (benches and tests wait on it). */
  onAck(listener: (ack: AgentAck) => void): () => void;
  close(): Promise<void>;
}

/** A session refuses this many bad messages, then closes. */
const MAX_BAD_MESSAGES = 20;
/** Above this many queued bytes a session's push waits for the socket to drain. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/**
 * Full snapshots awaiting their ack, node-wide. A fleet reconnecting at once (node restart) would
 * otherwise queue one whole state per agent in memory; the rest wait their turn.
 */
const MAX_FULL_IN_FLIGHT = 32;
/** Encoded push bodies kept for reuse across a fan-out, in bytes (a full state of 1000 domains is ~1 MB). */
const MAX_BODY_CACHE_BYTES = 16 * 1024 * 1024;
/** Pushes sent per event-loop turn of a fan-out (see pushSlice). */
const PUSH_SLICE = 256;
/** Link records written per event-loop turn: small slices, so a flush never holds up a fan-out for long. */
const FLUSH_SLICE = 250;

interface AgentState {
  doc: Stored<'agents'>;
  group: string;
  link: LinkRecord;
  session: Session | null;
  /** The push awaiting its ack: at most one per agent, later changes coalesce into the next push. */
  inflight: { version: number; checksum: string; full: boolean } | null;
  /** Desired checksum whose apply failed: not retried until desired changes. */
  failedChecksum: string | null;
  window: NonceWindow;
  /** Since when heartbeats have reported nginx down (null: up, or never reported). */
  nginxDownSince: number | null;
}

interface Session {
  ws: AgentWebSocket;
  agentId: string | null;
  /** The key the agent signs with; the node answers with the same one. */
  kid: string | null;
  bad: number;
  /** Heard from (any frame, or a pong) since the last liveness sweep. */
  heard: boolean;
  /** Pinged at the last sweep because it was quiet; dropped if the next sweep finds it quiet still. */
  pinged: boolean;
  /** The agent and key this session's messages last named (see keyOf). */
  found: FoundKey | null;
  keyFor: (kid: string) => FoundKey['verify'] | undefined;
}

interface FoundKey {
  /** The keys epoch it was found in: any change to an agent's keys (rotation, revocation) starts over. */
  epoch: number;
  kid: string;
  st: AgentState;
  /** The key with its HMAC pads: no per-message lookup of them by key (ten thousand keys). */
  signing: SigningKey;
  verify: { secret: string; window: NonceWindow; hmacHex: (text: string) => string };
}

export function createAgentGateway(opts: AgentGatewayOptions): AgentGateway {
  const { store, logger } = opts;
  const now = opts.now ?? Date.now;
  const log = logger.child({ module: 'agent-gateway' });
  const table = new LinkTable(store.db);
  const reader = new DesiredSourceReader(store, opts.unsealCertificate ?? (() => null));
  const savedLinks = table.load();

  const agents = new Map<string, AgentState>();
  const kidIndex = new Map<string, string>();
  const groups = new Map<string, DesiredGroup>();
  const members = new Map<string, Set<string>>();
  const sessions = new Set<Session>();
  const dirty = new Set<AgentState>();
  const ackListeners = new Set<(ack: AgentAck) => void>();
  /** The body shared by every agent of a group that gets the same push, encoded once. */
  const bodyCache = new Map<string, SharedBody>();
  let bodyCacheBytes = 0;
  /** The body pushed last, with what it was for. */
  let lastBody: { from: string; to: string; version: number; appliedVersion: number; body: SharedBody } | null = null;
  let fullInFlight = 0;
  const waitingForFull = new Set<AgentState>();
  let keysEpoch = 0;

  // ------------------------------------------------------------- agents and groups

  function groupFor(selector: AgentSelector): string {
    const key = selectorKey(selector);
    if (!groups.has(key)) groups.set(key, new DesiredGroup(selector, reader.build(selector)));
    return key;
  }

  function track(doc: Stored<'agents'>): void {
    keysEpoch++;
    const prev = agents.get(doc.id);
    if (prev) {
      for (const k of prev.doc.keys) kidIndex.delete(k.kid);
      members.get(prev.group)?.delete(doc.id);
    }
    if (doc.revoked) {
      if (prev) {
        agents.delete(doc.id);
        prev.session?.ws.close(CLOSE_REVOKED, 'NG_REVOKED');
        prev.session?.ws.terminate();
      }
      return;
    }
    const group = groupFor({ teamId: doc.teamId, labels: doc.labels });
    const st: AgentState = prev ?? { doc, group, link: savedLinks.get(doc.id) ?? emptyLink(doc.id), session: null, inflight: null, failedChecksum: null, window: new NonceWindow(), nginxDownSince: null };
    st.doc = doc;
    st.group = group;
    agents.set(doc.id, st);
    for (const k of doc.keys) kidIndex.set(k.kid, doc.id);
    if (!members.has(group)) members.set(group, new Set());
    members.get(group)!.add(doc.id);
    // A session signing with a key that was rotated out is cut; one on the secondary is handed the new primary.
    if (st.session?.kid && !doc.keys.some((k) => k.kid === st.session!.kid)) {
      st.session.ws.close(CLOSE_REVOKED, 'NG_REVOKED');
    } else if (st.session?.kid && doc.keys[0] && st.session.kid !== doc.keys[0].kid) {
      send(st, { type: 'rekey', kid: doc.keys[0].kid, key: doc.keys[0].secret });
    }
    setDesired(st);
    reconcile(st);
  }

  /** Moves the agent's desired version forward when its group's state differs from what it was told. */
  function setDesired(st: AgentState): void {
    const g = groups.get(st.group)!;
    if (st.link.desiredChecksum === g.checksum) return;
    st.link.desiredVersion = Math.max(st.link.desiredVersion, st.link.appliedVersion) + 1;
    st.link.desiredChecksum = g.checksum;
    dirty.add(st);
  }

  for (const doc of store.list('agents')) track(doc);

  // ------------------------------------------------------------- pushing desired state

  function send(st: AgentState, body: NodeBody): void {
    sendShared(st, new SharedBody(bodyText(body)));
  }

  /** Signs for this agent's session key and writes one text frame (the body's bytes are shared, not copied per agent). */
  function sendShared(st: AgentState, body: SharedBody): void {
    const s = st.session;
    const found = s?.kid ? keyOf(s, s.kid) : undefined;
    if (s && found) sendSealed(s.ws, found.signing, body, now(), nodeEnvelopeCrypto.nonce());
  }

  /**
   * The agent and key a message on this session names, when that key is valid for the session (its
   * agent's, before hello any agent's). Kept per session until any agent's keys change: every
   * message and every push of a session names the same key, and three map lookups per message
   * (cache misses with ten thousand agents) cost more than the rest of the lookup.
   */
  function keyOf(s: Session, kid: string): FoundKey | undefined {
    const cached = s.found;
    if (cached !== null && cached.epoch === keysEpoch && cached.kid === kid) return cached;
    const agentId = kidIndex.get(kid);
    const st = agentId !== undefined && (s.agentId === null || s.agentId === agentId) ? agents.get(agentId) : undefined;
    const key = st?.doc.keys.find((k) => k.kid === kid);
    if (!st || !key) return undefined;
    const hmac = hmacKey(key.secret);
    s.found = {
      epoch: keysEpoch, kid: key.kid, st, signing: { kid: key.kid, secret: key.secret, hmac },
      verify: { secret: key.secret, window: st.window, hmacHex: (text) => hmacSha256Hex(hmac, text) },
    };
    return s.found;
  }

  /** Sends the next push if the agent is linked, idle, and not on the desired state yet. */
  function reconcile(st: AgentState): void {
    const s = st.session;
    if (!s || !s.agentId || st.inflight) return;
    if (s.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      setTimeout(() => reconcile(st), 50).unref();
      return;
    }
    const g = groups.get(st.group)!;
    const link = st.link;
    const version = link.desiredVersion;
    if (link.appliedChecksum === g.checksum) {
      if (link.appliedVersion === version) return;
      st.inflight = { version, checksum: g.checksum, full: false };
      send(st, { type: 'in_sync', version, checksum: g.checksum });
      return;
    }
    if (st.failedChecksum === g.checksum) return;
    const base = link.appliedChecksum ? g.base(link.appliedChecksum) : undefined;
    if (!base && fullInFlight >= MAX_FULL_IN_FLIGHT) {
      waitingForFull.add(st);
      return;
    }
    waitingForFull.delete(st);
    const from = base ? link.appliedChecksum : 'full';
    // A fan-out asks for the same body a thousand times in a row: no cache key is built for those.
    const last = lastBody;
    if (last && last.from === from && last.to === g.checksum && last.version === version && last.appliedVersion === link.appliedVersion) {
      push(st, version, g.checksum, !base, last.body);
      return;
    }
    const cacheKey = `${from}|${g.checksum}|${version}|${link.appliedVersion}`;
    let shared = bodyCache.get(cacheKey);
    if (shared === undefined) {
      const domains = (): DesiredDomain[] => [...g.entries.values()].map((e) => e.domain);
      const body: NodeBody = base
        ? { type: 'diff', baseVersion: link.appliedVersion, baseChecksum: link.appliedChecksum, version, checksum: g.checksum, ...diffDesired(base, g.entries) }
        : { type: 'full', version, checksum: g.checksum, domains: domains() };
      shared = new SharedBody(bodyText(body));
      if (bodyCache.size >= 256 || bodyCacheBytes > MAX_BODY_CACHE_BYTES) {
        bodyCache.clear();
        bodyCacheBytes = 0;
      }
      bodyCache.set(cacheKey, shared);
      bodyCacheBytes += shared.bytes.length + shared.field.length;
    }
    lastBody = { from, to: g.checksum, version, appliedVersion: link.appliedVersion, body: shared };
    push(st, version, g.checksum, !base, shared);
  }

  function push(st: AgentState, version: number, checksum: string, full: boolean, body: SharedBody): void {
    st.inflight = { version, checksum, full };
    if (full) fullInFlight++;
    sendShared(st, body);
  }

  /** Ends a push (acked, or its session gone) and lets a waiting full snapshot go. */
  function settle(st: AgentState): void {
    const pushed = st.inflight;
    st.inflight = null;
    if (!pushed?.full) return;
    fullInFlight--;
    const next = waitingForFull.values().next();
    if (!next.done) reconcile(next.value);
  }

  // ------------------------------------------------------------- store changes, coalesced

  const pendingDomains = new Map<string, Set<string>>();
  const pendingCerts = new Map<string, Set<string>>();
  const pendingAgents = new Set<string>();
  let scheduled = false;
  /**
   * Fan-outs under way: the members of each group whose state moved, walked in place (a live Set
   * iterator skips agents removed meanwhile). An agent met twice is pushed to once: reconcile
   * sends nothing while a push is in flight.
   */
  const fanOuts: Iterator<string>[] = [];
  let pushScheduled = false;

  const unsubscribe = store.onChange((events: readonly ChangeEvent[]) => {
    for (const e of events) {
      const team = e.team;
      if (e.collection === 'agents') pendingAgents.add(e.id);
      else if (!team) continue;
      else if (e.collection === 'domains' || e.collection === 'proxy_configs') addTo(pendingDomains, team, e.id);
      else if (e.collection === 'certificates') addTo(pendingCerts, team, e.id);
    }
    if (!scheduled && (pendingAgents.size + pendingDomains.size + pendingCerts.size) > 0) {
      scheduled = true;
      setImmediate(flushChanges);
    }
  });

  function flushChanges(): void {
    scheduled = false;
    for (const id of pendingAgents) {
      const doc = store.get('agents', id);
      if (doc) track(doc);
      else {
        const st = agents.get(id);
        if (st) track({ ...st.doc, revoked: true });
      }
    }
    pendingAgents.clear();
    const touchedGroups: string[] = [];
    for (const [key, g] of groups) {
      const team = g.selector.teamId;
      const ids = new Set(pendingDomains.get(team) ?? []);
      const certs = pendingCerts.get(team);
      if (certs) for (const [id, e] of g.entries) if (e.domain.tls.certificateId && certs.has(e.domain.tls.certificateId)) ids.add(id);
      if (ids.size > 0 && g.refresh(ids, (id) => reader.entry(g.selector, id))) touchedGroups.push(key);
    }
    pendingDomains.clear();
    pendingCerts.clear();
    for (const key of touchedGroups) {
      const ids = members.get(key);
      if (!ids) continue;
      for (const id of ids) setDesired(agents.get(id)!);
      fanOuts.push(ids.values());
    }
    pushSlice();
  }

  /**
   * Pushes to waiting agents a slice at a time, one slice per event-loop turn. A fan-out to ten
   * thousand agents in one go held every socket's write bookkeeping until it ended (~0.3 s), long
   * enough for the garbage collector to promote it to the old generation, which only full
   * collections reclaim. Between slices the node also reads the acks of agents already pushed to.
   */
  function pushSlice(): void {
    let n = 0;
    while (fanOuts.length > 0) {
      if (n === PUSH_SLICE) {
        if (!pushScheduled) {
          pushScheduled = true;
          setImmediate(() => {
            pushScheduled = false;
            pushSlice();
          });
        }
        return;
      }
      const next = fanOuts[0]!.next();
      if (next.done) fanOuts.shift();
      else {
        const st = agents.get(next.value);
        if (st) reconcile(st);
        n++;
      }
    }
  }

  // ------------------------------------------------------------- sessions

  function refuse(s: Session, err: NgError, fatal: boolean): void {
    const st = s.agentId ? agents.get(s.agentId) : undefined;
    if (st && s.kid) send(st, { type: 'error', code: err.code, message: err.message });
    else s.ws.sendText(JSON.stringify({ type: 'refused', code: err.code, message: err.message }));
    log.debug({ agentId: s.agentId, code: err.code, reason: err.message }, 'agent message refused');
    if (fatal || ++s.bad >= MAX_BAD_MESSAGES) s.ws.close(CLOSE_REFUSED, err.code);
  }

  function onFrame(s: Session, frame: string): void {
    if (s.agentId === null && frame.length <= MAX_AGENT_FRAME_BYTES) {
      const raw = parseJson(frame);
      if (raw === undefined) return refuse(s, new NgError('NG_BAD_MESSAGE', 'message is not JSON'), true);
      if (typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'enroll') return enroll(s, raw);
    }
    const opened = openEnvelope(nodeEnvelopeCrypto, frame, { maxBytes: MAX_AGENT_FRAME_BYTES, now: now(), keyFor: s.keyFor });
    if (!opened.ok) return refuse(s, opened.error, s.agentId === null);
    // Found (and kept) by keyFor while the envelope was checked.
    const found = keyOf(s, opened.kid)!;
    const st = found.st;
    const agentId = st.doc.id;
    if (opened.body['type'] === 'telemetry') {
      if (s.agentId !== agentId) return refuse(s, new NgError('NG_BAD_MESSAGE', 'telemetry comes after hello, from the session\'s own agent'), true);
      s.kid = found.kid;
      return onTelemetry(st, opened.body);
    }
    const checked = checkSessionBody(opened.body);
    if (!checked.ok) return refuse(s, checked.error, s.agentId === null);
    const body = checked.body;
    if (s.agentId === null) {
      if (body.type !== 'hello' || body.agentId !== agentId) return refuse(s, new NgError('NG_BAD_MESSAGE', 'the first signed message must be hello from the key\'s own agent'), true);
      // One link per agent: a newer session replaces an older one.
      if (st.session && st.session !== s) st.session.ws.close(CLOSE_REFUSED, 'NG_CONFLICT');
      s.agentId = agentId;
      st.session = s;
    }
    s.kid = found.kid;
    st.link.lastSeen = now();
    dirty.add(st);
    if (body.type === 'hello') {
      // A hello (first, or a resync after the agent found its base differs) restarts the push cycle.
      settle(st);
      const link = st.link;
      // Another node may have numbered this agent's versions higher: never go below what it applied.
      if (body.appliedVersion >= link.desiredVersion && body.appliedChecksum !== groups.get(st.group)!.checksum) link.desiredChecksum = '';
      link.appliedVersion = body.appliedVersion;
      link.appliedChecksum = sharedChecksum(st, body.appliedChecksum);
      link.desiredVersion = Math.max(link.desiredVersion, body.appliedVersion);
      setDesired(st);
      const primary = st.doc.keys[0];
      if (primary && primary.kid !== s.kid) send(st, { type: 'rekey', kid: primary.kid, key: primary.secret });
      reconcile(st);
    } else if (body.type === 'ack') {
      onAck(st, body);
    } else if (body.type === 'heartbeat') {
      const t = now();
      st.link.heartbeat = { nginx: body.nginx, host: body.host, at: t };
      st.nginxDownSince = body.nginx.up ? null : (st.nginxDownSince ?? t);
    }
  }

  /**
   * A telemetry batch is stored (or refused with a code) at once and answered with telemetry_ack.
   * It never touches the push state, so config pushes on the same socket never wait for it; the
   * ingest's per-agent budget keeps a flooding agent from hogging the node.
   */
  function onTelemetry(st: AgentState, raw: Record<string, unknown>): void {
    st.link.lastSeen = now();
    dirty.add(st);
    const batchId = typeof raw['batchId'] === 'string' ? raw['batchId'].slice(0, 64) : '';
    let r: IngestResult;
    try {
      r = opts.telemetry ? opts.telemetry.accept(st.doc.id, st.doc.teamId, raw) : { ok: false, code: 'NG_UNAVAILABLE', message: 'this node does not store telemetry' };
    } catch (err) {
      log.error({ err, agentId: st.doc.id }, 'telemetry batch could not be stored');
      r = { ok: false, code: 'NG_UNAVAILABLE', message: 'the node could not store the batch; send it again later' };
    }
    if (!r.ok) log.debug({ agentId: st.doc.id, code: r.code, reason: r.message }, 'telemetry batch refused');
    send(st, r.ok
      ? { type: 'telemetry_ack', batchId, ok: true, code: null, message: null }
      : { type: 'telemetry_ack', batchId, ok: false, code: r.code, message: r.message.slice(0, 2000) });
  }

  /** The group's own checksum string when the agent reports it, so ten thousand links hold one copy, not one each. */
  function sharedChecksum(st: AgentState, reported: string): string {
    const g = groups.get(st.group)!;
    return reported === g.checksum ? g.checksum : reported;
  }

  function health(st: AgentState): AgentHealth {
    const link = st.link;
    const report = link.lastReport;
    return {
      teamId: st.doc.teamId, agentId: st.doc.id, connected: st.session?.agentId != null, lastSeenAt: link.lastSeen, nginxDownSince: st.nginxDownSince,
      // A failed attempt was for the desired version; a successful one is what the agent now serves.
      lastApply: link.lastAttempt === null || !report ? null : {
        version: report.ok ? link.appliedVersion : link.desiredVersion, ok: report.ok, at: link.lastAttempt,
        code: report.code, message: report.message, domainId: report.domainId,
      },
      appliedVersion: link.lastSeen === null ? null : link.appliedVersion,
    };
  }

  function onAck(st: AgentState, body: AckBody): void {
    const pushed = st.inflight;
    if (!pushed || pushed.version !== body.version) return;
    const t = now();
    const link = st.link;
    link.lastAttempt = t;
    // Updated in place: a new report object per ack lives until the next ack, long enough to be
    // promoted, and ten thousand of them per change filled the old generation with garbage.
    if (link.lastReport) Object.assign(link.lastReport, body.report);
    else link.lastReport = { ...body.report };
    link.appliedVersion = body.appliedVersion;
    link.appliedChecksum = sharedChecksum(st, body.appliedChecksum);
    const ok = body.report.ok && body.appliedVersion === pushed.version && body.appliedChecksum === pushed.checksum;
    if (ok) {
      link.lastSuccess = t;
      link.lastError = null;
      st.failedChecksum = null;
    } else {
      link.lastError = { code: body.report.code ?? 'NG_INTERNAL', message: body.report.message ?? 'the agent reported a failed apply without a reason', domainId: body.report.domainId };
      st.failedChecksum = pushed.checksum;
    }
    settle(st);
    dirty.add(st);
    for (const l of ackListeners) l({ agentId: st.doc.id, version: body.version, ok });
    reconcile(st);
  }

  function enroll(s: Session, raw: unknown): void {
    const parsed = enrollRequest.safeParse(raw);
    if (!parsed.success) return refuse(s, badBody(parsed.error), true);
    try {
      const e = enrollWithToken(store, parsed.data.token, now());
      log.info({ agentId: e.agentId, teamId: e.teamId, host: parsed.data.hostname }, 'agent enrolled');
      const nodeFingerprints = store.list('members').filter((m) => !m.removed).map((m) => m.certFingerprint).slice(0, 64);
      s.ws.sendText(JSON.stringify({ type: 'enrolled', agentId: e.agentId, teamId: e.teamId, kid: e.kid, key: e.key, nodeFingerprints }));
      s.ws.close(1000, 'enrolled');
    } catch (err) {
      refuse(s, isNgError(err) ? err : new NgError('NG_INTERNAL', 'enrollment failed'), true);
    }
  }

  /** A new WebSocket on `socket` (its handshake done): a session, unsigned until its hello. */
  function onConnection(socket: Duplex, head: Buffer): void {
    const handle = (s: Session, what: () => void): void => {
      s.heard = true;
      try {
        what();
      } catch (err) {
        log.error({ err, agentId: s.agentId }, 'agent message handling failed');
        refuse(s, new NgError('NG_INTERNAL', 'the node could not handle the message'), true);
      }
    };
    const s: Session = {
      ws: new AgentWebSocket(socket, 4 * MAX_AGENT_FRAME_BYTES, {
        message: (text) => handle(s, () => onFrame(s, text)),
        binary: () => handle(s, () => refuse(s, new NgError('NG_BAD_MESSAGE', 'binary frames are not part of the agent protocol'), s.agentId === null)),
        pong: () => (s.heard = true),
        protocolError: (code, reason) => log.debug({ agentId: s.agentId, code, reason }, 'agent link broke the WebSocket framing'),
        close: () => {
          sessions.delete(s);
          const st = s.agentId ? agents.get(s.agentId) : undefined;
          if (st?.session === s) {
            st.session = null;
            settle(st);
            waitingForFull.delete(st);
          }
        },
      }),
      agentId: null, kid: null, bad: 0, heard: true, pinged: false, found: null, keyFor: (kid) => keyOf(s, kid)?.verify,
    };
    sessions.add(s);
    s.ws.start(head);
  }

  /**
   * Liveness. A link that carried anything since the last sweep needs no ping: agents send a
   * heartbeat every 10 s, so on a busy fleet a ping to every link (ten thousand writes and as many
   * pongs, every sweep) would only repeat what their traffic already shows. A quiet link is pinged,
   * and dropped when the next sweep finds it quiet still: a dead link goes within three periods.
   */
  const pinger = setInterval(() => {
    for (const s of sessions) {
      if (s.heard) {
        s.heard = false;
        s.pinged = false;
      } else if (s.pinged) {
        s.ws.terminate();
      } else {
        s.pinged = true;
        s.ws.ping();
      }
    }
  }, opts.pingIntervalMs ?? 15_000);
  pinger.unref();

  /** Dirty link records being written, in table order; `flushAt` is the next to write. */
  let flushQueue: LinkRecord[] = [];
  let flushAt = 0;
  /**
   * Writes dirty link records a slice at a time, so ten thousand acks never stall the event loop at
   * once; all of them at close. Records dirtied meanwhile wait for the next flush.
   */
  const flushDirty = (all = false): void => {
    if (flushAt >= flushQueue.length) {
      if (dirty.size === 0) return;
      flushQueue = table.inTableOrder([...dirty].map((st) => st.link));
      flushAt = 0;
      dirty.clear();
    }
    const end = all ? flushQueue.length : Math.min(flushQueue.length, flushAt + FLUSH_SLICE);
    table.save(flushQueue.slice(flushAt, end));
    flushAt = end;
    if (all) flushDirty(true);
    else if (flushAt < flushQueue.length) setImmediate(() => flushDirty());
  };
  // Every 2 s: the records are this node's bookkeeping (the views read them from memory, and a
  // restarted node learns each agent's applied state from its hello), so a crash loses at most 2 s
  // of timestamps, while a busy fleet's record churn (a row per agent per ack or heartbeat) is
  // written a quarter as often as at 500 ms.
  const flusher = setInterval(() => flushDirty(), opts.flushIntervalMs ?? 2000);
  flusher.unref();

  const view = (st: AgentState): AgentView => agentView(st.doc, st.link, st.session?.agentId != null, now());

  return {
    handleUpgrade(req, socket, head) {
      const path = (req.url ?? '').split('?')[0];
      if (path !== AGENT_GATEWAY_PATH) return false;
      if (acceptHandshake(req, socket, AGENT_SUBPROTOCOL)) onConnection(socket, head);
      return true;
    },
    createEnrollmentToken: (input) => createEnrollmentToken(store, input),
    listAgents(teamId) {
      return store.list('agents', { team: teamId }).map((doc) => {
        const st = agents.get(doc.id);
        return st ? view(st) : agentView(doc, savedLinks.get(doc.id), false, now());
      });
    },
    getAgent(agentId) {
      const st = agents.get(agentId);
      if (st) return view(st);
      const doc = store.get('agents', agentId);
      return doc ? agentView(doc, savedLinks.get(agentId), false, now()) : undefined;
    },
    revokeAgent: (agentId, actor) => {
      revokeAgent(store, agentId, actor);
      flushChanges();
    },
    rotateAgentKey: (agentId, actor) => {
      const r = rotateAgentKey(store, agentId, actor);
      flushChanges();
      return r;
    },
    isConnected: (agentId) => agents.get(agentId)?.session?.agentId != null,
    fleetHealth: () => [...agents.values()].map(health),
    onAck(listener) {
      ackListeners.add(listener);
      return () => ackListeners.delete(listener);
    },
    async close() {
      unsubscribe();
      clearInterval(pinger);
      clearInterval(flusher);
      fanOuts.length = 0;
      flushDirty(true);
      for (const s of sessions) s.ws.terminate();
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function badBody(error: z.ZodError): NgError {
  const v = validationError(error);
  return new NgError('NG_BAD_MESSAGE', v.message, v.path ? { path: v.path } : {});
}
