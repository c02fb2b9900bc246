// The node's links to every other member: a WSS server for peers that dial in, dialers (with
// backoff) for the members it dials, push-on-write to all links, compaction at the acknowledged
// watermark, member admission against the pinned fingerprints, and removal with key rotation.

import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import WebSocket, { WebSocketServer } from 'ws';
import { NgError, type ErrorCode } from '../../shared/errors';
import type { ElectionWireMessage } from '../../shared/wire/election';
import { MAX_PEER_FRAME_BYTES, PEER_SUBPROTOCOL, PEER_WIRE_VERSION, type HelloMessage } from '../../shared/wire/peer';
import { REMOTE_SUBPROTOCOL } from '../../shared/wire/remote-link';
import type { VersionVector } from '../../shared/ops';
import { dominates, watermark } from '../../core/vector';
import type { SyncEvent } from '../../core/sync/session';
import { originsToSkip, type LinkedPeer } from '../../core/sync/route';
import type { Store } from '../db/store';
import type { Logger } from '../log';
import type { ClusterKeys } from '../cluster/cluster-keys';
import { normalizeFingerprint, type NodeCertificate } from '../cluster/node-certificate';
import { listMembers, memberOf, recordMember } from '../cluster/members';
import { Backoff } from './backoff';
import type { PeerTelemetryMessage } from '../../shared/wire/peer-telemetry';
import { CLOSE, PeerLink, type LinkHandlers, type LinkIdentity, type LinkStatus } from './peer-link';

export interface PeerMeshOptions {
  store: Store;
  keys: ClusterKeys;
  certificate: NodeCertificate;
  log: Logger;
  name: string;
  priority?: number;
  /** Where the peer server listens; port 0 picks a free one. */
  listen: { host: string; port: number };
  /** The address other members dial (defaults to wss://listen.host:port). */
  advertisedAddress?: string;
  /** How often compaction at the acknowledged watermark is considered. */
  compactEveryMs?: number;
}

export type PeerStatus = LinkStatus;

/** Takes a remote link (a leader beyond the LAN, bearer token in the upgrade) that arrived on the peer port. */
export type RemoteLinkAcceptor = (ws: WebSocket, req: IncomingMessage) => void;

/**
 * Longest wait between dials of a peer. A cluster has few members and a dial is cheap, so a member
 * back from a crash or a network cut is relinked within seconds, not the minute agents wait.
 */
const MEMBER_REDIAL_MAX_MS = 15_000;

interface Dialer {
  address: string;
  /** The member expected at `address` (known when dialed from the member list), then the one that answered. */
  nodeId: string | null;
  joining: boolean;
  backoff: Backoff;
  timer: NodeJS.Timeout | null;
  link: PeerLink | null;
  /** The socket of an attempt still waiting for its upgrade, aborted when the dialer stops. */
  connecting: WebSocket | null;
  /** Status of the last attempt, kept for peers() while no link is up. */
  lastStatus: PeerStatus | null;
  stopped: boolean;
  /** Resolves the first successful link (join waits on it). */
  waiters: { resolve: (link: PeerLink) => void; reject: (e: NgError) => void }[];
}

/** Misbehaving peers are refused for a while, growing with each offence. */
interface Penalty {
  until: number;
  backoff: Backoff;
}

export class PeerMesh {
  private readonly links = new Map<string, PeerLink>();
  private readonly handshaking = new Set<PeerLink>();
  private readonly dialers = new Map<string, Dialer>();
  private readonly penalties = new Map<string, Penalty>();
  private readonly acked = new Map<string, VersionVector>();
  private readonly upListeners = new Set<(status: PeerStatus) => void>();
  private readonly downListeners = new Set<(status: PeerStatus) => void>();
  private readonly electionListeners = new Set<(from: string, msg: ElectionWireMessage) => void>();
  private readonly telemetryListeners = new Set<(from: string, msg: PeerTelemetryMessage) => void>();
  private readonly lastStatus = new Map<string, PeerStatus>();
  private readonly disposers: (() => void)[] = [];
  private snapshotCounter = 0;
  /** The watermark of the last compaction: nothing to do until it moves. */
  private compactedTo: VersionVector = {};
  private closed = false;
  private remoteAcceptor: RemoteLinkAcceptor | null = null;
  address = '';

  private constructor(
    private readonly opts: PeerMeshOptions,
    private readonly server: Server,
    private readonly wss: WebSocketServer,
  ) {}

  static async start(opts: PeerMeshOptions): Promise<PeerMesh> {
    const server = createServer({ key: opts.certificate.keyPem, cert: opts.certificate.certPem, requestCert: true, rejectUnauthorized: false });
    const wss = new WebSocketServer({
      server,
      maxPayload: MAX_PEER_FRAME_BYTES,
      handleProtocols: (protocols) => (protocols.has(PEER_SUBPROTOCOL) ? PEER_SUBPROTOCOL : protocols.has(REMOTE_SUBPROTOCOL) ? REMOTE_SUBPROTOCOL : false),
    });
    const mesh = new PeerMesh(opts, server, wss);
    wss.on('connection', (ws, req) => (ws.protocol === REMOTE_SUBPROTOCOL ? mesh.acceptRemote(ws, req) : mesh.accept(ws, req.socket as TLSSocket)));
    await new Promise<void>((resolve, reject) => {
      // ws re-emits the server's errors on the WebSocketServer: a taken port must reject here, not throw there.
      server.once('error', reject);
      wss.once('error', reject);
      server.listen(opts.listen.port, opts.listen.host, () => {
        server.off('error', reject);
        wss.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    mesh.address = opts.advertisedAddress ?? `wss://${opts.listen.host}:${port}`;
    mesh.start();
    return mesh;
  }

  private get store(): Store {
    return this.opts.store;
  }

  private start(): void {
    this.disposers.push(this.store.onChange((events) => {
      for (const link of this.links.values()) link.localChanged();
      if (events.some((e) => e.collection === 'members')) this.dialMembers();
    }));
    const compactTimer = setInterval(() => this.compact(), this.opts.compactEveryMs ?? 2000);
    this.disposers.push(() => clearInterval(compactTimer));
    this.dialMembers();
  }

  // ---------------------------------------------------------------- public API

  /** Create the cluster on this node; returns the join code (show it once). */
  createCluster(): string {
    const code = this.opts.keys.create();
    this.recordSelf();
    return code;
  }

  /** Keep a link to `address` (reconnecting with backoff 1 s → 60 s). */
  connect(address: string): void {
    this.dialer(address, false);
  }

  /** Join the cluster through the node at `address` with the code its creator showed. */
  async join(address: string, joinCode: string): Promise<PeerStatus> {
    this.opts.keys.adopt(joinCode);
    const d = this.dialer(address, true);
    const link = await new Promise<PeerLink>((resolve, reject) => {
      if (d.link?.state === 'up') resolve(d.link);
      else d.waiters.push({ resolve, reject });
    });
    return { ...link.status };
  }

  /** Links to every known peer (connected or not). */
  peers(): PeerStatus[] {
    const out = new Map<string, PeerStatus>();
    for (const [id, s] of this.lastStatus) out.set(id, { ...s });
    for (const [id, link] of this.links) out.set(id, { ...link.status });
    for (const d of this.dialers.values()) {
      const status = d.link?.status ?? d.lastStatus;
      const key = d.nodeId ?? status?.nodeId ?? `dial:${d.address}`;
      if (status && !this.links.has(key)) out.set(key, { ...status, address: d.address });
    }
    return [...out.values()];
  }

  onPeerUp(cb: (status: PeerStatus) => void): () => void {
    this.upListeners.add(cb);
    return () => this.upListeners.delete(cb);
  }

  onPeerDown(cb: (status: PeerStatus) => void): () => void {
    this.downListeners.add(cb);
    return () => this.downListeners.delete(cb);
  }

  onElection(cb: (from: string, msg: ElectionWireMessage) => void): () => void {
    this.electionListeners.add(cb);
    return () => this.electionListeners.delete(cb);
  }

  sendElection(nodeId: string, msg: ElectionWireMessage): boolean {
    const link = this.links.get(nodeId);
    link?.sendElection(msg);
    return link !== undefined;
  }

  onTelemetry(cb: (from: string, msg: PeerTelemetryMessage) => void): () => void {
    this.telemetryListeners.add(cb);
    return () => this.telemetryListeners.delete(cb);
  }

  /** The telemetry side channel: false when there is no link to `nodeId` or it is busy. */
  sendTelemetry(nodeId: string, msg: PeerTelemetryMessage): boolean {
    return this.links.get(nodeId)?.sendTelemetry(msg) ?? false;
  }

  /** Members with a link up now. */
  linkedPeers(): string[] {
    return [...this.links.keys()];
  }

  broadcastElection(msg: ElectionWireMessage): void {
    for (const link of this.links.values()) link.sendElection(msg);
  }

  /**
   * Remove a member (an owner's action): it is marked removed in the replicated list, disconnected
   * everywhere, and the cluster key is rotated so its old key opens nothing.
   */
  removeMember(nodeId: string, actor: string): void {
    if (nodeId === this.store.nodeId) throw new NgError('NG_VALIDATION', 'a node cannot remove itself; remove it from another member');
    if (!memberOf(this.store, nodeId)) throw new NgError('NG_NOT_FOUND', `no member ${nodeId}`);
    const previous = this.opts.keys.current()!;
    this.store.write('members', nodeId, { removed: true }, { actor });
    const fresh = this.opts.keys.rotate();
    for (const [id, link] of this.links) {
      if (id !== nodeId) link.sendKeyRotation(fresh, previous.keyId);
    }
    this.links.get(nodeId)?.close(CLOSE.revoked, 'NG_REVOKED');
  }

  /** Who takes remote links on this port (docs/remote-peers.md); null refuses them with a coded reason. */
  acceptRemoteLinks(acceptor: RemoteLinkAcceptor | null): void {
    this.remoteAcceptor = acceptor;
  }

  /** Acknowledged vectors of the members, for status and compaction. */
  acknowledged(): Record<string, VersionVector> {
    this.refreshAcked();
    return Object.fromEntries(this.acked);
  }

  /**
   * Takes each linked peer's latest reported vector. A link that carries no ops to this node (its
   * peer is told to leave every origin out, core/sync/route.ts) raises no sync events, yet its
   * vectors keep arriving with acks and every anti-entropy tick.
   */
  private refreshAcked(): void {
    for (const [id, link] of this.links) if (link.session) this.acked.set(id, link.session.peerVector);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const dispose of this.disposers.splice(0).reverse()) dispose();
    for (const d of this.dialers.values()) this.stopDialer(d);
    for (const link of [...this.links.values(), ...this.handshaking]) link.close(CLOSE.normal, 'node shutting down');
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- links

  private identity(): LinkIdentity {
    return {
      nodeId: this.store.nodeId, name: this.opts.name, priority: this.opts.priority ?? 100, address: this.address,
      certificate: this.opts.certificate, keys: this.opts.keys, replica: this.store, log: this.opts.log,
      newSnapshotId: () => `${this.store.nodeId.slice(0, 20)}-${++this.snapshotCounter}`,
      admit: (hello, keyIsCurrent) => this.admit(hello, keyIsCurrent),
      skipFor: (peerId) => originsToSkip(peerId, this.feedCandidates()),
    };
  }

  /** The peers linked now with what each last reported holding: the input of the feeder choice. */
  private feedCandidates(): LinkedPeer[] {
    const peers: LinkedPeer[] = [];
    for (const [id, link] of this.links) if (link.session) peers.push({ id, vector: link.session.peerVector });
    return peers;
  }

  /** Who may link: pinned members with their own certificate; unknown key holders only with the current key. */
  private admit(hello: HelloMessage, keyIsCurrent: boolean): NgError | null {
    const penalty = this.penalties.get(hello.nodeId);
    if (penalty && penalty.until > Date.now()) return new NgError('NG_RATE_LIMITED', `node ${hello.nodeId} is backed off after misbehaving`);
    const member = memberOf(this.store, hello.nodeId);
    if (member?.removed) return new NgError('NG_REVOKED', `node ${hello.nodeId} was removed from the cluster`);
    if (member && member.certFingerprint !== hello.fingerprint) return new NgError('NG_BAD_SIGNATURE', `node ${hello.nodeId} presents a certificate other than the pinned one`);
    if (!member && !keyIsCurrent) return new NgError('NG_REVOKED', 'an unknown node with a retired cluster key');
    return null;
  }

  private handlers(): LinkHandlers {
    return {
      up: (link) => this.linkUp(link),
      down: (link, reason) => this.linkDown(link, reason),
      election: (link, msg) => {
        for (const cb of this.electionListeners) cb(link.nodeId!, msg);
      },
      keyRotation: (link, key, previousKeyId) => this.keyRotation(link, key, previousKeyId),
      sync: (link, event) => this.syncEvent(link, event),
      telemetry: (link, msg) => {
        if (link.nodeId && this.links.get(link.nodeId) === link) for (const cb of this.telemetryListeners) cb(link.nodeId, msg);
      },
    };
  }

  private accept(ws: WebSocket, socket: TLSSocket): void {
    if (this.closed) return ws.terminate();
    const cert = socket.getPeerCertificate();
    if (!cert || !cert.fingerprint256) {
      this.opts.log.warn({ code: 'NG_UNAUTHENTICATED' }, 'peer connected without a client certificate');
      return ws.close(CLOSE.unauthenticated, 'NG_UNAUTHENTICATED');
    }
    const link = new PeerLink(ws, 'server', normalizeFingerprint(cert.fingerprint256), this.identity(), this.handlers(), false);
    this.handshaking.add(link);
  }

  private acceptRemote(ws: WebSocket, req: IncomingMessage): void {
    if (this.closed) return ws.terminate();
    if (this.remoteAcceptor) return this.remoteAcceptor(ws, req);
    const message = 'this node accepts no remote links: it has no remoteAuth in its config';
    this.opts.log.warn({ code: 'NG_UNAUTHENTICATED', reason: message }, 'remote link refused');
    ws.send(JSON.stringify({ type: 'error', v: PEER_WIRE_VERSION, code: 'NG_UNAUTHENTICATED', message }));
    ws.close(CLOSE.unauthenticated, 'NG_UNAUTHENTICATED');
  }

  private linkUp(link: PeerLink): void {
    this.handshaking.delete(link);
    const nodeId = link.nodeId!;
    const existing = this.links.get(nodeId);
    let kept = link;
    if (existing && existing !== link) {
      // Both ends dialed each other: both keep the link whose client has the smaller node id.
      const clientOf = (l: PeerLink) => (l.role === 'client' ? this.store.nodeId : l.nodeId!);
      kept = clientOf(existing) < clientOf(link) ? existing : link;
      this.links.set(nodeId, kept);
      (kept === existing ? link : existing).close(CLOSE.duplicate, 'duplicate link');
    }
    for (const d of this.dialers.values()) {
      if (d.link !== link) continue;
      d.nodeId = nodeId;
      d.backoff.reset();
      for (const w of d.waiters.splice(0)) w.resolve(kept);
    }
    if (kept !== link) return;
    this.links.set(nodeId, link);
    this.recordPeer(link.peerHello!, link.peerFingerprint);
    this.opts.log.info({ peer: nodeId, role: link.role }, 'peer link up');
    for (const cb of this.upListeners) cb({ ...link.status });
  }

  private linkDown(link: PeerLink, reason: { code: ErrorCode | 'NG_CLOSED'; message: string; abusive: boolean }): void {
    this.handshaking.delete(link);
    const nodeId = link.nodeId;
    if (nodeId && reason.abusive) {
      const penalty = this.penalties.get(nodeId) ?? { until: 0, backoff: new Backoff() };
      penalty.until = Date.now() + penalty.backoff.next();
      this.penalties.set(nodeId, penalty);
    }
    for (const d of this.dialers.values()) {
      if (d.link !== link) continue;
      d.link = null;
      // A handshake refused before the peer's hello still belongs to the member this dialer is for.
      d.lastStatus = { ...link.status, nodeId: link.status.nodeId ?? d.nodeId };
      if (reason.code !== 'NG_CLOSED') for (const w of d.waiters.splice(0)) w.reject(new NgError(reason.code, reason.message));
      // A join refused with a reason (wrong code, removed) is not retried: the operator must act.
      if (d.joining && !d.nodeId && reason.code !== 'NG_CLOSED') {
        this.stopDialer(d);
        this.dialers.delete(d.address);
        continue;
      }
      this.scheduleDial(d, reason.abusive);
    }
    if (nodeId && this.links.get(nodeId) === link) {
      this.links.delete(nodeId);
      this.lastStatus.set(nodeId, { ...link.status });
      this.opts.log.info({ peer: nodeId, code: reason.code, reason: reason.message }, 'peer link down');
      for (const cb of this.downListeners) cb({ ...link.status });
      // A link that was dialed by the other side is redialed from here if this node is the one to dial it.
      this.dialMembers();
    }
  }

  private keyRotation(link: PeerLink, key: Buffer, previousKeyId: string): void {
    if (!this.opts.keys.acceptRotation(key, previousKeyId)) return;
    this.opts.log.info({ peer: link.nodeId }, 'cluster key rotated by a peer');
    // Pass it on, so members not linked to the remover get it too; a node ignores a rotation it already has.
    const fresh = this.opts.keys.current()!;
    for (const other of this.links.values()) if (other !== link) other.sendKeyRotation(fresh, previousKeyId);
  }

  private syncEvent(link: PeerLink, event: SyncEvent): void {
    if (event.kind === 'snapshot-imported' || event.kind === 'snapshot-sent') this.opts.log.info({ peer: link.nodeId, ...event }, 'snapshot');
    if (link.session && link.nodeId) this.acked.set(link.nodeId, link.session.peerVector);
  }

  // ---------------------------------------------------------------- dialing

  private dialer(address: string, joining: boolean, nodeId: string | null = null): Dialer {
    const existing = this.dialers.get(address);
    if (existing) return existing;
    const d: Dialer = { address, nodeId, joining, backoff: new Backoff(1000, MEMBER_REDIAL_MAX_MS), timer: null, link: null, connecting: null, lastStatus: null, stopped: false, waiters: [] };
    this.dialers.set(address, d);
    this.dial(d);
    return d;
  }

  private dial(d: Dialer): void {
    if (d.stopped || this.closed) return;
    // Already linked the other way round: look again later.
    if (d.nodeId && this.links.has(d.nodeId)) return this.scheduleDial(d, false, 2000);
    const ws = new WebSocket(d.address, PEER_SUBPROTOCOL, {
      key: this.opts.certificate.keyPem, cert: this.opts.certificate.certPem,
      // Self-signed certificates: trust comes from the pinned fingerprint and the key proof, not a CA.
      rejectUnauthorized: false, maxPayload: MAX_PEER_FRAME_BYTES, handshakeTimeout: 10_000,
    });
    d.connecting = ws;
    ws.once('upgrade', (res) => {
      d.connecting = null;
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      d.link = new PeerLink(ws, 'client', normalizeFingerprint(cert.fingerprint256 ?? ''), this.identity(), this.handlers(), d.joining);
      this.handshaking.add(d.link);
    });
    ws.once('error', (e) => {
      if (d.connecting === ws) d.connecting = null;
      if (d.link) return;
      this.dialFailed(d, e.message);
      this.scheduleDial(d, false);
    });
  }

  /**
   * A dial that never reached the handshake (refused, unreachable, TLS, timeout) becomes the
   * member's last error, so the members view says why it is not linked. Logged once per reason.
   */
  private dialFailed(d: Dialer, reason: string): void {
    const previous = d.lastStatus ?? (d.nodeId ? this.lastStatus.get(d.nodeId) : undefined);
    const lastError = { code: 'NG_UNAVAILABLE', message: `dial failed: ${reason}` };
    const repeated = previous?.lastError?.message === lastError.message;
    d.lastStatus = {
      name: null, fingerprint: '', lastSeen: null, skewRejections: 0, clockOffsetMs: null,
      ...previous, nodeId: previous?.nodeId ?? d.nodeId, address: d.address, connected: false, lastError,
    };
    this.opts.log[repeated ? 'debug' : 'warn']({ address: d.address, peer: d.nodeId, code: lastError.code, reason }, 'dial failed');
  }

  private scheduleDial(d: Dialer, abusive: boolean, fixedMs?: number): void {
    if (d.stopped || this.closed || d.timer) return;
    const delay = fixedMs ?? d.backoff.next() * (abusive ? 2 : 1);
    d.timer = setTimeout(() => {
      d.timer = null;
      this.dial(d);
    }, delay);
  }

  private stopDialer(d: Dialer): void {
    d.stopped = true;
    if (d.timer) clearTimeout(d.timer);
    // Left alone, an attempt in flight would complete after shutdown and greet the peer from a closed store.
    d.connecting?.terminate();
    for (const w of d.waiters.splice(0)) w.reject(new NgError('NG_UNAVAILABLE', 'the peer mesh closed'));
  }

  // ---------------------------------------------------------------- members

  private recordSelf(): void {
    recordMember(this.store, { nodeId: this.store.nodeId, name: this.opts.name, certFingerprint: this.opts.certificate.fingerprint, priority: this.opts.priority ?? 100, address: this.address });
  }

  /** A key holder that linked for the first time becomes a member with its certificate pinned. */
  private recordPeer(hello: HelloMessage, fingerprint: string): void {
    if (!memberOf(this.store, this.store.nodeId)) this.recordSelf();
    const known = memberOf(this.store, hello.nodeId);
    // A member that moved (new port or host) is dialed at its new address from now on.
    if (known && hello.address && known.address !== hello.address) this.store.write('members', hello.nodeId, { address: hello.address }, { actor: 'system' });
    if (known) return;
    recordMember(this.store, { nodeId: hello.nodeId, name: hello.name, certFingerprint: fingerprint, priority: hello.priority, address: hello.address });
  }

  /** Drop links to removed members; dial the members this node is the one to dial (smaller id dials larger). */
  private dialMembers(): void {
    if (this.closed || !this.opts.keys.clusterId()) return;
    for (const m of listMembers(this.store)) {
      if (m.id === this.store.nodeId) continue;
      if (m.removed) {
        this.links.get(m.id)?.close(CLOSE.revoked, 'NG_REVOKED');
        for (const d of this.dialers.values()) if (d.nodeId === m.id) this.stopDialer(d);
        continue;
      }
      if (!m.address || this.store.nodeId >= m.id || this.links.has(m.id)) continue;
      const waiting = this.dialers.get(m.address);
      if (!waiting) this.dialer(m.address, false, m.id);
      else if (waiting.timer && !waiting.stopped) {
        // News about this member (it just joined, or moved): a dial that failed moments ago, before
        // the member's record had replicated everywhere, is retried now instead of after its backoff.
        clearTimeout(waiting.timer);
        waiting.timer = null;
        waiting.backoff.reset();
        this.dial(waiting);
      }
    }
  }

  /** Compact what every non-removed member has acknowledged. */
  private compact(): void {
    const others = listMembers(this.store).filter((m) => !m.removed && m.id !== this.store.nodeId);
    if (others.length === 0) return;
    this.refreshAcked();
    const vectors: VersionVector[] = [this.store.vector()];
    for (const m of others) {
      const acked = this.acked.get(m.id);
      if (!acked) return;
      vectors.push(acked);
    }
    const mark = watermark(vectors);
    if (dominates(this.compactedTo, mark)) return;
    this.compactedTo = mark;
    const moved = this.store.compact(mark);
    if (moved > 0) this.opts.log.debug({ moved, watermark: mark }, 'oplog compacted');
  }
}
