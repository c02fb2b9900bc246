// One authenticated peer link over an open WebSocket, either end: the hello/proof handshake bound
// to both TLS certificates, then replication (core/sync), heartbeats, election traffic and key
// rotation. Bad input is dropped with a coded, logged reason; a peer that keeps sending it is cut off.

import { SyncOutbox } from './sync-outbox';
import type WebSocket from 'ws';
import { NgError, type ErrorCode } from '../../shared/errors';
import type { ElectionWireMessage } from '../../shared/wire/election';
import {
  PEER_WIRE_VERSION, handshakeMessage, linkMessage,
  type HelloMessage, type KeyRotateMessage, type LinkMessage, type SyncMessage,
} from '../../shared/wire/peer';
import { CLOSE, HEARTBEAT_MS, LinkLiveness } from './link-liveness';
import { MAX_BATCHES_PER_APPLY, SyncSession, type Replica, type SyncEvent, type SyncStep } from '../../core/sync/session';
import { encodeSyncMessage, isOpsMessage } from '../../core/sync/ops-frame';
import type { Logger } from '../log';
import { clusterIdHash, keyIdOf, type ClusterKeys, type HeldKey } from '../cluster/cluster-keys';
import type { NodeCertificate } from '../cluster/node-certificate';
import { MAX_PEER_TELEMETRY_BYTES, PEER_TELEMETRY_TYPE, peerTelemetryMessage, type PeerTelemetryMessage } from '../../shared/wire/peer-telemetry';
import { computeProof, linkKey, newNonce, open, seal, verifyProof, type LinkRole } from './link-crypto';

export const ANTI_ENTROPY_MS = 2000;
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The close codes live with the link's liveness rules; the mesh and the remote transport name them from here. */
export { CLOSE };

export interface LinkIdentity {
  nodeId: string;
  name: string;
  priority: number;
  /** wss:// address where this node's peer server listens. */
  address: string | null;
  certificate: NodeCertificate;
  keys: ClusterKeys;
  replica: Replica;
  log: Logger;
  newSnapshotId: () => string;
  /** Origins another linked peer feeds this node, to tell `peerId` to leave out (core/sync/route.ts). */
  skipFor?: (peerId: string) => readonly string[];
  /** Whether a peer that proved `keyId` may link. Null admits it. */
  admit: (hello: HelloMessage, keyIsCurrent: boolean) => NgError | null;
}

export interface LinkHandlers {
  up(link: PeerLink): void;
  down(link: PeerLink, reason: { code: ErrorCode | 'NG_CLOSED'; message: string; abusive: boolean }): void;
  election(link: PeerLink, msg: ElectionWireMessage): void;
  keyRotation(link: PeerLink, key: Buffer, previousKeyId: string): void;
  sync(link: PeerLink, event: SyncEvent): void;
  /** A schema-checked telemetry side-channel message (src/main/telemetry/telemetry-replication.ts). */
  telemetry?(link: PeerLink, msg: PeerTelemetryMessage): void;
}

/** Telemetry is written only while the socket holds less than this, so it never crowds out sync. */
export const TELEMETRY_LOW_WATER_BYTES = 256 * 1024;

export interface LinkStatus {
  nodeId: string | null;
  name: string | null;
  address: string | null;
  fingerprint: string;
  connected: boolean;
  lastSeen: number | null;
  lastError: { code: string; message: string } | null;
  /** Ops this peer sent that were refused because their timestamp was too far ahead (HLC skew guard). */
  skewRejections: number;
  /** Peer's clock minus ours, from its last heartbeat (ms, includes one-way latency). */
  clockOffsetMs: number | null;
}

export class PeerLink {
  readonly role: LinkRole;
  /** What TLS showed of the peer's certificate: the hello must claim exactly this. */
  readonly peerFingerprint: string;
  state: 'handshake' | 'up' | 'closed' = 'handshake';
  peerHello: HelloMessage | null = null;
  session: SyncSession | null = null;
  readonly status: LinkStatus;
  private readonly nonce = newNonce();
  private sharedKey: HeldKey | null = null;
  private sentProof = false;
  private readonly liveness = new LinkLiveness({
    write: (msg) => this.write(msg),
    dropped: (code, message, strikes) => {
      this.status.lastError = { code, message };
      this.me.log.warn({ peer: this.nodeId, code, reason: message, strikes }, 'peer message dropped');
    },
    fail: (code, message, closeCode, tell) => this.fail(code, message, closeCode, tell),
  });
  private readonly outbox = new SyncOutbox(() => this.ws.bufferedAmount, (msg) => this.writeText(encodeSyncMessage(msg)), () => this.state === 'up');
  private readonly timers: NodeJS.Timeout[] = [];
  /** Sync messages received in this turn of the event loop, not yet handled. */
  private inbox: SyncMessage[] = [];

  constructor(
    private readonly ws: WebSocket,
    role: LinkRole,
    peerFingerprint: string,
    private readonly me: LinkIdentity,
    private readonly handlers: LinkHandlers,
    private readonly joining: boolean,
  ) {
    this.role = role;
    this.peerFingerprint = peerFingerprint;
    this.status = { nodeId: null, name: null, address: null, fingerprint: peerFingerprint, connected: false, lastSeen: null, lastError: null, skewRejections: 0, clockOffsetMs: null };
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    ws.on('close', (code, reason) => this.finish({ code: 'NG_CLOSED', message: `closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`, abusive: code === CLOSE.abuse }));
    ws.on('error', (e) => this.fail('NG_UNAVAILABLE', `socket error: ${e.message}`));
    this.timers.push(setTimeout(() => this.state === 'handshake' && this.fail('NG_UNAUTHENTICATED', 'handshake timed out', CLOSE.unauthenticated), HANDSHAKE_TIMEOUT_MS));
    // A dialed socket is still opening when its TLS certificate becomes known.
    if (ws.readyState === ws.OPEN) this.sendHello();
    else ws.once('open', () => this.sendHello());
  }

  get nodeId(): string | null {
    return this.peerHello?.nodeId ?? null;
  }

  /** The replica changed: push what this peer lacks. */
  localChanged(): void {
    if (this.state === 'up' && this.session) this.runSync(this.session.localChanged());
  }

  sendElection(msg: ElectionWireMessage): void {
    if (this.state === 'up') this.write({ type: 'election', v: PEER_WIRE_VERSION, msg });
  }

  /** Hand this peer a rotated cluster key, sealed with this link's own key. */
  sendKeyRotation(key: HeldKey, previousKeyId: string): void {
    if (this.state !== 'up' || !this.sharedKey || !this.peerHello) return;
    const box = seal(this.linkKey(), key.key);
    this.write({ type: 'key-rotate', v: PEER_WIRE_VERSION, keyId: key.keyId, previousKeyId, ...box });
  }

  /** Lower priority than sync: written only while the socket is nearly drained; false when not sent. */
  sendTelemetry(msg: PeerTelemetryMessage): boolean {
    if (this.state !== 'up' || this.ws.bufferedAmount >= TELEMETRY_LOW_WATER_BYTES) return false;
    const text = JSON.stringify(msg);
    if (Buffer.byteLength(text) > MAX_PEER_TELEMETRY_BYTES) return false;
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
    return true;
  }

  close(code: number = CLOSE.normal, reason = 'closing'): void {
    if (this.state === 'closed') return;
    this.ws.close(code, reason.slice(0, 120));
    this.finish({ code: 'NG_CLOSED', message: reason, abusive: code === CLOSE.abuse });
  }

  // ---------------------------------------------------------------- handshake

  private sendHello(): void {
    const clusterId = this.me.keys.clusterId();
    if (!clusterId) return this.fail('NG_UNAUTHENTICATED', 'this node belongs to no cluster yet', CLOSE.unauthenticated);
    this.writeRaw({
      type: 'hello', v: PEER_WIRE_VERSION, nodeId: this.me.nodeId, name: this.me.name, nonce: this.nonce,
      fingerprint: this.me.certificate.fingerprint, clusterIdHash: clusterIdHash(clusterId),
      keyIds: this.me.keys.held().map((k) => k.keyId), priority: this.me.priority, address: this.me.address, joining: this.joining,
    });
  }

  private onHandshakeMessage(raw: unknown): void {
    const parsed = handshakeMessage.safeParse(raw);
    if (!parsed.success) return this.fail('NG_UNAUTHENTICATED', 'expected hello or proof before anything else', CLOSE.unauthenticated);
    const msg = parsed.data;
    if (msg.type === 'error') return this.fail(msg.code as ErrorCode, `peer refused the link: ${msg.message}`, CLOSE.unauthenticated, false);
    if (msg.type === 'hello') {
      if (this.peerHello) return this.fail('NG_BAD_MESSAGE', 'a second hello', CLOSE.unauthenticated);
      const refusal = this.checkHello(msg);
      if (refusal) return this.fail(refusal.code, refusal.message, refusal.code === 'NG_REVOKED' ? CLOSE.revoked : CLOSE.unauthenticated);
      this.peerHello = msg;
      this.status.nodeId = msg.nodeId;
      this.status.name = msg.name;
      this.status.address = msg.address;
      this.writeRaw({ type: 'proof', v: PEER_WIRE_VERSION, proof: computeProof({ ...this.transcript(), role: this.role }) });
      this.sentProof = true;
      return;
    }
    if (!this.peerHello || !this.sentProof) return this.fail('NG_UNAUTHENTICATED', 'proof before hello', CLOSE.unauthenticated);
    const peerRole: LinkRole = this.role === 'client' ? 'server' : 'client';
    if (!verifyProof({ ...this.transcript(), role: peerRole }, msg.proof)) {
      return this.fail('NG_BAD_SIGNATURE', 'the peer does not prove the cluster key for this channel', CLOSE.unauthenticated);
    }
    this.becomeUp();
  }

  private checkHello(hello: HelloMessage): NgError | null {
    const clusterId = this.me.keys.clusterId();
    if (!clusterId || hello.clusterIdHash !== clusterIdHash(clusterId)) return new NgError('NG_UNAUTHENTICATED', 'the peer belongs to another cluster');
    if (hello.nodeId === this.me.nodeId) return new NgError('NG_CONFLICT', 'the peer has this node\'s own id (dialed itself?)');
    if (hello.fingerprint !== this.peerFingerprint) return new NgError('NG_BAD_SIGNATURE', 'the hello names a certificate other than the one TLS presented');
    const mine = this.me.keys.held().map((k) => k.keyId);
    const clientIds = this.role === 'client' ? mine : hello.keyIds;
    const serverIds = this.role === 'client' ? hello.keyIds : mine;
    const shared = clientIds.find((id) => serverIds.includes(id));
    if (!shared) return new NgError('NG_UNAUTHENTICATED', 'the peer holds none of this node\'s cluster keys');
    this.sharedKey = this.me.keys.keyFor(shared);
    const keyIsCurrent = shared === mine[0] && shared === hello.keyIds[0];
    return this.me.admit(hello, keyIsCurrent);
  }

  private transcript() {
    const peer = this.peerHello!;
    const client = this.role === 'client' ? { nonce: this.nonce, fp: this.me.certificate.fingerprint } : { nonce: peer.nonce, fp: peer.fingerprint };
    const server = this.role === 'server' ? { nonce: this.nonce, fp: this.me.certificate.fingerprint } : { nonce: peer.nonce, fp: peer.fingerprint };
    return { key: this.sharedKey!.key, clientNonce: client.nonce, serverNonce: server.nonce, clientFingerprint: client.fp, serverFingerprint: server.fp };
  }

  private linkKey(): Buffer {
    return linkKey(this.transcript());
  }

  private becomeUp(): void {
    this.state = 'up';
    this.status.connected = true;
    this.status.lastSeen = Date.now();
    this.session = new SyncSession(this.me.replica, {
      newSnapshotId: this.me.newSnapshotId,
      skipFor: () => (this.nodeId && this.me.skipFor ? this.me.skipFor(this.nodeId) : []),
    });
    this.timers.push(setInterval(() => this.liveness.beat(), HEARTBEAT_MS));
    this.timers.push(setInterval(() => this.session && this.runSync(this.session.tick()), ANTI_ENTROPY_MS));
    this.handlers.up(this);
    this.runSync(this.session.tick());
    // A peer still on the key before the last rotation gets the new one over this link.
    const current = this.me.keys.current();
    if (current && this.sharedKey && current.keyId !== this.sharedKey.keyId && this.peerHello?.keyIds[0] === this.sharedKey.keyId) {
      this.sendKeyRotation(current, this.sharedKey.keyId);
    }
  }

  // ---------------------------------------------------------------- after the handshake

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closed') return;
    const frame = this.liveness.heard(data, isBinary);
    if (!frame) {
      if (this.state === 'handshake') return this.fail('NG_UNAUTHENTICATED', 'the handshake message is not JSON text', CLOSE.unauthenticated);
      return this.liveness.strike('NG_BAD_MESSAGE', 'frame is not a JSON text message');
    }
    const raw = frame.value;
    try {
      if (this.state === 'handshake') return this.onHandshakeMessage(raw);
      if ((raw as { type?: unknown } | null)?.type === PEER_TELEMETRY_TYPE) return this.onTelemetry(raw, data.length);
      // Op batches are nearly all the traffic: their envelope is checked in one pass, each op by the store.
      let msg: LinkMessage;
      if (isOpsMessage(raw)) {
        msg = raw;
      } else {
        const parsed = linkMessage.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return this.liveness.strike('NG_BAD_MESSAGE', `message fails its schema at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
        }
        msg = parsed.data;
      }
      this.status.lastSeen = this.liveness.lastHeard;
      this.onLinkMessage(msg);
    } catch (e) {
      // A bug while handling one message must not take the node down; the peer is not blamed.
      this.me.log.error({ peer: this.nodeId, err: e }, 'peer message handling failed');
      this.status.lastError = { code: 'NG_INTERNAL', message: (e as Error).message };
    }
  }

  private onLinkMessage(msg: LinkMessage): void {
    switch (msg.type) {
      case 'vector':
      case 'ops':
      case 'snapshot-chunk':
        // Frames read in the same turn of the event loop are handled together (see receiveAll).
        if (this.inbox.push(msg) === 1) setImmediate(() => this.drainInbox());
        return;
      case 'heartbeat':
        this.status.clockOffsetMs = msg.sentAt - Date.now();
        return;
      case 'election':
        return this.handlers.election(this, msg.msg);
      case 'key-rotate':
        return this.onKeyRotate(msg);
      case 'error':
        this.status.lastError = { code: msg.code, message: `peer reports: ${msg.message}` };
        this.me.log.warn({ peer: this.nodeId, code: msg.code, reason: msg.message }, 'peer reported an error');
        return;
    }
  }

  private onTelemetry(raw: unknown, bytes: number): void {
    if (bytes > MAX_PEER_TELEMETRY_BYTES) return this.liveness.strike('NG_TOO_LARGE', `telemetry frame is ${bytes} bytes; the cap is ${MAX_PEER_TELEMETRY_BYTES}`);
    const parsed = peerTelemetryMessage.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.liveness.strike('NG_BAD_MESSAGE', `telemetry message fails its schema at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
    }
    this.status.lastSeen = this.liveness.lastHeard;
    this.handlers.telemetry?.(this, parsed.data);
  }

  private drainInbox(): void {
    const msgs = this.inbox;
    this.inbox = [];
    try {
      // A few batches per transaction, each group acknowledged before the next is applied, so the
      // sender refills its window while this node applies: batching without a pipeline bubble.
      let start = 0;
      while (start < msgs.length && this.state === 'up' && this.session) {
        let end = start;
        let batches = 0;
        while (end < msgs.length) {
          if (msgs[end]!.type === 'ops' && ++batches > MAX_BATCHES_PER_APPLY) break;
          end++;
        }
        this.runSync(this.session.receiveAll(msgs.slice(start, end)));
        start = end;
      }
    } catch (e) {
      // As in onFrame: a bug while handling replication must not take the node down.
      this.me.log.error({ peer: this.nodeId, err: e }, 'peer message handling failed');
      this.status.lastError = { code: 'NG_INTERNAL', message: (e as Error).message };
    }
  }

  private onKeyRotate(msg: KeyRotateMessage): void {
    const key = open(this.linkKey(), msg.iv, msg.sealed);
    if (!key || key.length !== 32 || keyIdOf(key) !== msg.keyId) return this.liveness.strike('NG_BAD_SIGNATURE', 'a rotated key that does not open under this link\'s key');
    this.handlers.keyRotation(this, key, msg.previousKeyId);
  }

  private runSync(step: SyncStep): void {
    for (const e of step.events) {
      if (e.kind === 'rejected') {
        if (e.code === 'NG_CLOCK_SKEW') this.status.skewRejections += e.count;
        this.status.lastError = { code: e.code, message: `${e.count} op(s) refused: ${e.message}` };
        this.me.log.warn({ peer: this.nodeId, code: e.code, count: e.count, reason: e.message }, 'ops from peer refused');
      }
      this.liveness.judge(e);
      this.handlers.sync(this, e);
    }
    if (this.state !== 'up') return;
    this.outbox.send(step.send);
  }

  private fail(code: ErrorCode, message: string, closeCode: number = CLOSE.unauthenticated, tell = true): void {
    if (this.state === 'closed') return;
    this.status.lastError = { code, message };
    this.me.log.warn({ peer: this.nodeId, code, reason: message }, 'peer link closed');
    if (tell) this.writeRaw({ type: 'error', v: PEER_WIRE_VERSION, code, message: message.slice(0, 500) });
    this.ws.close(closeCode, code);
    this.finish({ code, message, abusive: closeCode === CLOSE.abuse });
  }

  private finish(reason: { code: ErrorCode | 'NG_CLOSED'; message: string; abusive: boolean }): void {
    if (this.state === 'closed') return;
    const wasUp = this.state === 'up';
    this.state = 'closed';
    this.status.connected = false;
    for (const t of this.timers) clearTimeout(t);
    this.outbox.clear();
    this.inbox = [];
    if (wasUp || reason.code !== 'NG_CLOSED') this.handlers.down(this, reason);
    else this.handlers.down(this, { ...reason, message: `closed during the handshake: ${this.status.lastError?.message ?? reason.message}` });
  }

  private write(msg: LinkMessage): void {
    this.writeRaw(msg);
  }

  private writeRaw(msg: object): void {
    this.writeText(JSON.stringify(msg));
  }

  private writeText(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }
}
