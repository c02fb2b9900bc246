// The node's LAN cluster in one place: the peer mesh, the leader election on top of it, the
// leader-duties hook, and mDNS discovery; plus the operations the API offers (create, join, add by
// address, remove, priority) and the status the Peers screen shows.

import type { OutputOf } from '../../shared/api/contract';
import { NgError } from '../../shared/errors';
import type { Store } from '../db/store';
import type { Logger } from '../log';
import { PeerMesh, type RemoteLinkAcceptor } from '../net/peer-mesh';
import { startDiscovery, type Discovery } from '../discovery/discovery';
import { peerState } from '../discovery/discovered-peers';
import { ClusterKeys, clusterIdHash } from './cluster-keys';
import { loadOrCreateNodeCertificate, type NodeCertificate } from './node-certificate';
import { listMembers, memberOf } from './members';
import { ElectionRunner } from './election-runner';
import { LeaderDuties } from './leader-duties';
import type { ElectionTimings } from '../../core/election/config';
import type { PeerTelemetryMessage } from '../../shared/wire/peer-telemetry';
import type { PeerTelemetryChannel } from '../telemetry/telemetry-replication';

export type PeersStatus = OutputOf<'peers.status'>;

/** What the API handlers may ask of the cluster (src/main/api/handlers/cluster.ts). */
export interface ClusterControl {
  create(): { clusterId: string; joinCode: string };
  join(address: string, joinCode: string): Promise<{ clusterId: string; peer: { nodeId: string; name: string | null; address: string | null } }>;
  connect(address: string): void;
  removeMember(nodeId: string, actor: string): void;
  setPriority(nodeId: string, priority: number, actor: string): void;
  status(): PeersStatus;
  /** Link state of the leader's remote peers, when remote links are wired (src/main/remote/wire-remote-peers.ts). */
  remoteLinks?(): RemoteLinks;
}

/** The leader's links to its remote peers; `leading` false means another node (or none) holds them. */
export interface RemoteLinks {
  leading: boolean;
  links: RemoteLinkState[];
}

/** What the leader knows of its link to one remote peer. */
export interface RemoteLinkState {
  nodeId: string;
  state: 'linked' | 'connecting' | 'failing';
  since: number | null;
  lastError: { code: string; message: string } | null;
}

export interface ClusterServiceOptions {
  store: Store;
  log: Logger;
  /** Shown to the other members. */
  name: string;
  /** Election priority (0..1000); written to this node's member record when given. */
  priority?: number;
  /** Where the peer-link server listens; port 0 picks a free one. */
  listen: { host: string; port: number };
  /** The address other members dial, e.g. wss://10.0.0.5:7381. */
  advertisedAddress?: string;
  /** mDNS advertising and browsing; never on in tests that run on the machine's own interfaces. */
  discovery: boolean;
  /** Interface name or IPv4 address for mDNS (default: the first non-loopback IPv4 interface). */
  discoveryInterface?: string;
  timings?: Partial<ElectionTimings>;
  /** How long a join waits for the first link before giving up. */
  joinTimeoutMs?: number;
}

const DEFAULT_PRIORITY = 100;

export class ClusterService implements ClusterControl {
  readonly keys: ClusterKeys;
  readonly certificate: NodeCertificate;
  readonly duties: LeaderDuties;
  private mesh!: PeerMesh;
  private runner!: ElectionRunner;
  private discovery: Discovery | null = null;
  private discoveryRestarts: Promise<void> = Promise.resolve();
  private readonly disposers: (() => void)[] = [];
  private closed = false;
  private remoteAcceptor: RemoteLinkAcceptor | null = null;
  private remoteLinkStates: (() => RemoteLinks) | null = null;
  private readonly telemetryListeners = new Set<(from: string, msg: PeerTelemetryMessage) => void>();
  private readonly peerUpListeners = new Set<(nodeId: string) => void>();

  private constructor(private readonly opts: ClusterServiceOptions) {
    this.keys = new ClusterKeys(opts.store.db);
    this.certificate = loadOrCreateNodeCertificate(opts.store.db, opts.store.nodeId);
    this.duties = new LeaderDuties(opts.log);
  }

  static async start(opts: ClusterServiceOptions): Promise<ClusterService> {
    const service = new ClusterService(opts);
    await service.startLinks();
    service.applyConfiguredPriority();
    await service.restartDiscovery();
    return service;
  }

  get store(): Store {
    return this.opts.store;
  }

  /** The address other members dial to reach this node. */
  get peerAddress(): string {
    return this.mesh.address;
  }

  leader(): ReturnType<ElectionRunner['status']> {
    return this.runner.status();
  }

  onLeadership(cb: Parameters<ElectionRunner['onEvent']>[0]): () => void {
    return this.runner.onEvent(cb);
  }

  /** Remote links on the peer port: who accepts them, and where the leader's link states come from. */
  attachRemoteLinks(parts: { accept: RemoteLinkAcceptor | null; states: () => RemoteLinks } | null): void {
    this.remoteAcceptor = parts?.accept ?? null;
    this.remoteLinkStates = parts?.states ?? null;
    this.mesh.acceptRemoteLinks(this.remoteAcceptor);
  }

  remoteLinks(): RemoteLinks {
    return this.remoteLinkStates?.() ?? { leading: false, links: [] };
  }

  /** The peer links' telemetry side channel; survives the mesh being restarted (a failed join). */
  telemetryChannel(): PeerTelemetryChannel {
    const subscribe = <T>(set: Set<T>, cb: T) => {
      set.add(cb);
      return () => void set.delete(cb);
    };
    return {
      peers: () => this.mesh.linkedPeers(),
      send: (nodeId, msg) => this.mesh.sendTelemetry(nodeId, msg),
      onMessage: (cb) => subscribe(this.telemetryListeners, cb),
      onPeerUp: (cb) => subscribe(this.peerUpListeners, cb),
    };
  }

  // ---------------------------------------------------------------- operations

  create(): { clusterId: string; joinCode: string } {
    const joinCode = this.mesh.createCluster();
    void this.restartDiscovery();
    return { clusterId: this.keys.clusterId()!, joinCode };
  }

  async join(address: string, joinCode: string): Promise<{ clusterId: string; peer: { nodeId: string; name: string | null; address: string | null } }> {
    const held = this.keys.clusterId();
    if (held) throw new NgError('NG_CONFLICT', `this node already belongs to cluster ${held}; another member must remove it first`);
    const timeoutMs = this.opts.joinTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const link = await Promise.race([
        this.mesh.join(address, joinCode),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new NgError('NG_UNAVAILABLE', `no answer from ${address} within ${timeoutMs / 1000} s`, { path: ['address'] })), timeoutMs);
        }),
      ]);
      void this.restartDiscovery();
      return { clusterId: this.keys.clusterId()!, peer: { nodeId: link.nodeId!, name: link.name, address: link.address } };
    } catch (e) {
      // A refused or unanswered join keeps nothing: no key, no dialer still trying with it.
      this.opts.log.warn({ address, code: (e as NgError).code, reason: (e as Error).message }, 'join failed');
      await this.stopLinks();
      this.keys.forget();
      await this.startLinks();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  connect(address: string): void {
    if (!this.keys.clusterId()) throw new NgError('NG_CONFLICT', 'create or join a cluster before adding peers by address');
    this.mesh.connect(address);
  }

  removeMember(nodeId: string, actor: string): void {
    this.mesh.removeMember(nodeId, actor);
  }

  setPriority(nodeId: string, priority: number, actor: string): void {
    const member = memberOf(this.store, nodeId);
    if (!member || member.removed) throw new NgError('NG_NOT_FOUND', `no member ${nodeId}`, { path: ['nodeId'] });
    if (member.priority !== priority) this.store.write('members', nodeId, { priority }, { actor });
  }

  status(): PeersStatus {
    const links = new Map(this.mesh.peers().filter((p) => p.nodeId).map((p) => [p.nodeId!, p]));
    const members = listMembers(this.store);
    const memberIds = new Set(members.filter((m) => !m.removed).map((m) => m.id));
    const ownHash = this.clusterHash();
    const election = this.runner.status();
    const discovered = (this.discovery?.peers.list() ?? []).map((d) => {
      const sameCluster = ownHash !== null && d.clusterIdHash === ownHash;
      // In our cluster by its own word but not in our member list yet: its first link is on the way.
      const pending = new Set(sameCluster && !memberIds.has(d.nodeId) ? [d.nodeId] : []);
      return { nodeId: d.nodeId, addresses: d.addresses, port: d.port, fingerprint: d.fingerprint, sameCluster, lastSeen: d.lastSeen, state: peerState(d.nodeId, memberIds, pending) };
    });
    return {
      nodeId: this.store.nodeId,
      self: { nodeId: this.store.nodeId, name: this.opts.name, fingerprint: this.certificate.fingerprint, peerAddress: this.mesh.address, inCluster: ownHash !== null },
      members: members.map(({ id, name, certFingerprint, priority, address, removed, joinedAt }) => {
        const link = links.get(id);
        const self = id === this.store.nodeId;
        return {
          nodeId: id, name, certFingerprint, priority, address, removed, joinedAt, self,
          connected: self || (link?.connected ?? false), lastSeen: link?.lastSeen ?? null, lastError: link?.lastError ?? null,
          skewRejections: link?.skewRejections ?? 0, clockOffsetMs: link?.clockOffsetMs ?? null,
        };
      }),
      leader: election.leaderId ? { nodeId: election.leaderId, term: election.term, since: election.since } : null,
      election: { role: election.role, term: election.term, leaderId: election.leaderId, since: election.since },
      discovered,
      stateHash: this.store.stateHash(),
    };
  }

  /** Hands leadership over (if held), stops the duties, then the links and discovery. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopLinks();
    await this.duties.close();
    await this.discoveryRestarts;
    await this.discovery?.stop();
  }

  // ---------------------------------------------------------------- parts

  private async startLinks(): Promise<void> {
    const { store, log, name, listen, advertisedAddress } = this.opts;
    try {
      this.mesh = await PeerMesh.start({
        store, keys: this.keys, certificate: this.certificate, log, name, listen,
        priority: this.opts.priority ?? memberOf(store, store.nodeId)?.priority ?? DEFAULT_PRIORITY,
        ...(advertisedAddress ? { advertisedAddress } : {}),
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? 'the port is already in use (another node on this machine? pass --peer-port)' : (e as Error).message;
      throw new NgError('NG_UNAVAILABLE', `cannot listen for peer links on ${listen.host}:${listen.port}: ${why}`);
    }
    this.mesh.acceptRemoteLinks(this.remoteAcceptor);
    this.dialMembersIfMoved();
    this.runner = new ElectionRunner({ store, mesh: this.mesh, log, ...(this.opts.timings ? { timings: this.opts.timings } : {}) });
    this.disposers.push(this.mesh.onTelemetry((from, msg) => this.telemetryListeners.forEach((cb) => cb(from, msg))));
    this.disposers.push(this.mesh.onPeerUp((peer) => peer.nodeId && this.peerUpListeners.forEach((cb) => cb(peer.nodeId!))));
    this.disposers.push(this.runner.onEvent((event) => {
      if (event.type === 'became-leader') void this.duties.becameLeader(event.term);
      if (event.type === 'lost-leadership') void this.duties.lostLeadership();
    }));
  }

  private async stopLinks(): Promise<void> {
    // The handover goes out on links that are still up; closing the mesh then flushes it.
    this.runner.close();
    for (const dispose of this.disposers.splice(0)) dispose();
    await this.duties.lostLeadership();
    await this.mesh.close();
  }

  /**
   * Members dial only larger node ids, at the address they hold for them. A node whose address
   * changed (a new port) dials every member itself, and its hello tells them where it is now.
   */
  private dialMembersIfMoved(): void {
    const own = memberOf(this.store, this.store.nodeId);
    if (!own || own.removed || own.address === this.mesh.address) return;
    for (const m of listMembers(this.store)) if (m.id !== own.id && !m.removed && m.address) this.mesh.connect(m.address);
  }

  /** A --priority flag changes this node's member record, which replicates to every member. */
  private applyConfiguredPriority(): void {
    const { priority } = this.opts;
    const own = memberOf(this.store, this.store.nodeId);
    if (priority !== undefined && own && own.priority !== priority) this.setPriority(own.id, priority, 'system');
  }

  private clusterHash(): string | null {
    const id = this.keys.clusterId();
    return id ? clusterIdHash(id) : null;
  }

  /** (Re)advertises with the current cluster id hash, one restart at a time. */
  private restartDiscovery(): Promise<void> {
    this.discoveryRestarts = this.discoveryRestarts.then(() => this.readvertise());
    return this.discoveryRestarts;
  }

  /** A machine without a usable interface runs without mDNS. */
  private async readvertise(): Promise<void> {
    if (!this.opts.discovery || this.closed) return;
    await this.discovery?.stop();
    this.discovery = null;
    const port = Number(new URL(this.mesh.address).port);
    try {
      this.discovery = startDiscovery({
        nodeId: this.store.nodeId, clusterIdHash: this.clusterHash(), port, fingerprint: this.certificate.fingerprint, logger: this.opts.log,
        ...(this.opts.discoveryInterface ? { interface: this.opts.discoveryInterface } : {}),
      });
    } catch (e) {
      this.opts.log.warn({ err: (e as Error).message }, 'mDNS discovery is off; peers can still be added by address');
    }
  }
}
