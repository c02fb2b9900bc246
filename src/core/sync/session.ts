// The replication session of one peer link, sans I/O: it is told what arrived and what changed
// locally, and answers with the messages to send. Vectors drive everything: the peer's last
// reported vector is both what to send past and its acknowledgement for compaction.

import { NgError } from '../../shared/errors';
import type { Snapshot, SnapshotDoc, VersionVector } from '../../shared/ops';
import {
  MAX_DOCS_PER_CHUNK, MAX_OPS_PER_BATCH, PEER_WIRE_VERSION,
  type OpsMessage, type SnapshotChunkMessage, type SyncMessage, type VectorMessage,
} from '../../shared/wire/peer';
import { mergeVectors } from '../vector';
import { opFromWire, opRowText, opsMessageFromRowTexts, type OplogRow } from './ops-frame';

/** What a session needs of the local replica; the Store satisfies it. */
export interface Replica {
  vector(): VersionVector;
  /** The oplog rows a peer holding `theirs` lacks. Throws NgError NG_SNAPSHOT_REQUIRED when some were compacted. */
  opRowsSince(theirs: VersionVector, limit: number): { rows: OplogRow[]; more: boolean };
  applyRemote(ops: readonly unknown[]): { applied: number; duplicates: number; rejected: { index: number; code: string; message: string }[] };
  exportSnapshot(): Snapshot;
  importSnapshot(snapshot: Snapshot): void;
}

export interface SyncSessionOptions {
  /** Op batches sent but not yet acknowledged; past this the session waits (backpressure). */
  window?: number;
  /** Serialized bytes per op batch or snapshot chunk, kept well under the frame cap. */
  maxBatchBytes?: number;
  /** A fresh id for each snapshot sent (injected so simulations stay deterministic). */
  newSnapshotId: () => string;
  /** Origins another linked peer feeds this node (core/sync/route.ts); sent with every vector so this peer leaves them out. */
  skipFor?: () => readonly string[];
}

export type SyncEvent =
  | { kind: 'applied'; applied: number; duplicates: number }
  | { kind: 'rejected'; code: string; message: string; count: number }
  | { kind: 'snapshot-sent'; chunks: number }
  | { kind: 'snapshot-imported'; docs: number }
  | { kind: 'snapshot-failed'; code: string; message: string };

export interface SyncStep {
  send: SyncMessage[];
  events: SyncEvent[];
}

interface Assembly {
  id: string;
  total: number;
  chunks: Map<number, SnapshotChunkMessage>;
  touched: boolean;
}

export const DEFAULT_WINDOW = 4;
/** Op batches a receiver applies in one transaction: half the window, so the sender refills the other half meanwhile. */
export const MAX_BATCHES_PER_APPLY = DEFAULT_WINDOW / 2;
export const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;

export class SyncSession {
  /** The latest vector the peer reported: what it holds, so what may be compacted on its behalf. */
  peerVector: VersionVector = {};
  private heardFromPeer = false;
  /** Origins the peer gets from another of its links: their ops are not sent to it. */
  private peerSkips: readonly string[] = [];
  /** What the peer holds plus what is on the way to it. */
  private sentTo: VersionVector = {};
  private inflight = 0;
  private assembly: Assembly | null = null;
  private readonly window: number;
  private readonly maxBatchBytes: number;

  constructor(
    private readonly replica: Replica,
    private readonly opts: SyncSessionOptions,
  ) {
    this.window = opts.window ?? DEFAULT_WINDOW;
    this.maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  }

  /** On connect and every anti-entropy tick: tell the peer what we hold so it resends what we lack. */
  tick(): SyncStep {
    // A snapshot that made no progress for a whole tick lost a chunk; the peer will send a new one.
    if (this.assembly) {
      if (!this.assembly.touched) this.assembly = null;
      else this.assembly.touched = false;
    }
    return { send: [this.vectorMessage(true)], events: [] };
  }

  /** The local replica changed (a local write or ops from another peer): push what the peer lacks. */
  localChanged(): SyncStep {
    return this.pump();
  }

  /** Whether op batches are waiting for acknowledgement room (the transport may call pump again later). */
  get windowFull(): boolean {
    return this.inflight >= this.window;
  }

  receive(msg: SyncMessage): SyncStep {
    switch (msg.type) {
      case 'vector':
        return this.onVector(msg);
      case 'ops':
        return this.onOps([msg]);
      case 'snapshot-chunk':
        return this.onChunk(msg);
    }
  }

  /**
   * Messages that arrived together, in order. Consecutive op batches are applied in one go (one
   * store transaction, each document written once however many of the ops touch it) and each is
   * still acknowledged, so the sender's window moves as if they had been applied one by one.
   */
  receiveAll(msgs: readonly SyncMessage[]): SyncStep {
    const step: SyncStep = { send: [], events: [] };
    for (let i = 0; i < msgs.length; ) {
      let end = i + 1;
      if (msgs[i]!.type === 'ops') while (end < msgs.length && msgs[end]!.type === 'ops') end++;
      const part = end > i + 1 ? this.onOps(msgs.slice(i, end) as OpsMessage[]) : this.receive(msgs[i]!);
      step.send.push(...part.send);
      step.events.push(...part.events);
      i = end;
    }
    return step;
  }

  /** Send op batches (or a snapshot) until the peer is up to date or the window is full. */
  pump(): SyncStep {
    const step: SyncStep = { send: [], events: [] };
    if (!this.heardFromPeer) return step;
    // A peer that holds nothing is new: a snapshot is far cheaper than replaying the whole history.
    if (Object.keys(this.sentTo).length === 0 && Object.keys(this.replica.vector()).length > 0) return this.sendSnapshot(step);
    while (this.inflight < this.window) {
      let batch: { rows: OplogRow[]; more: boolean };
      try {
        batch = this.replica.opRowsSince(this.sendPast(), MAX_OPS_PER_BATCH);
      } catch (e) {
        if (e instanceof NgError && e.code === 'NG_SNAPSHOT_REQUIRED') return this.sendSnapshot(step);
        throw e;
      }
      if (batch.rows.length === 0) break;
      const texts = this.cutToSize(batch.rows);
      for (let i = 0; i < texts.length; i++) {
        const { origin, seq } = batch.rows[i]!;
        this.sentTo[origin] = Math.max(this.sentTo[origin] ?? 0, seq);
      }
      step.send.push(opsMessageFromRowTexts(texts));
      this.inflight++;
      if (!batch.more && texts.length === batch.rows.length) break;
    }
    return step;
  }

  private onVector(msg: VectorMessage): SyncStep {
    this.heardFromPeer = true;
    this.peerSkips = msg.skip ?? [];
    this.peerVector = mergeVectors(this.peerVector, msg.vector);
    if (msg.resync) {
      // Anything sent but not reflected here was lost or is still in flight: resend from the truth.
      this.sentTo = { ...msg.vector };
      this.inflight = 0;
    } else {
      this.sentTo = mergeVectors(this.sentTo, msg.vector);
      this.inflight = Math.max(0, this.inflight - 1);
    }
    return this.pump();
  }

  private onOps(batches: readonly OpsMessage[]): SyncStep {
    const have = this.replica.vector();
    const ops: unknown[] = [];
    /** Where each batch's ops start in `ops`, so a refusal is reported against the frame that carried it. */
    const starts: number[] = [];
    for (const batch of batches) {
      starts.push(ops.length);
      this.contiguous(batch.ops, have, ops);
    }
    const events: SyncEvent[] = [];
    // The sender holds what it sent: never push those ops back to it.
    for (const op of ops as { origin?: unknown; seq?: unknown }[]) {
      if (typeof op.origin === 'string' && typeof op.seq === 'number') this.sentTo[op.origin] = Math.max(this.sentTo[op.origin] ?? 0, op.seq);
    }
    if (ops.length > 0) {
      const result = this.replica.applyRemote(ops);
      events.push({ kind: 'applied', applied: result.applied, duplicates: result.duplicates });
      // One event per frame and code, as if the frames had been applied one by one.
      const byFrameCode = new Map<string, { code: string; message: string; count: number }>();
      for (const r of result.rejected) {
        let frame = starts.length - 1;
        while (frame > 0 && starts[frame]! > r.index) frame--;
        const key = `${frame} ${r.code}`;
        const seen = byFrameCode.get(key);
        if (seen) seen.count++;
        else byFrameCode.set(key, { code: r.code, message: r.message, count: 1 });
      }
      for (const { code, message, count } of byFrameCode.values()) events.push({ kind: 'rejected', code, message, count });
    }
    const ack = this.vectorMessage(false);
    return { send: batches.map(() => ack), events };
  }

  /**
   * Only ops that extend the local vector (`have`, advanced as ops are taken) without a gap reach
   * the store; they are appended to `out`. On an ordered transport that is every op; after loss or
   * reordering the rest come again on the next resync. Keeping the oplog gap-free means a snapshot
   * import can never jump over ops held beyond a gap.
   */
  private contiguous(raw: readonly unknown[], have: VersionVector, out: unknown[]): void {
    for (const wire of raw) {
      const op = opFromWire(wire);
      const o = op as { origin?: unknown; seq?: unknown };
      // Malformed ops go through so the store refuses them with its own coded reason.
      if (typeof o?.origin !== 'string' || typeof o.seq !== 'number') {
        out.push(op);
        continue;
      }
      const held = have[o.origin] ?? 0;
      if (o.seq > held + 1) continue;
      out.push(op);
      have[o.origin] = Math.max(held, o.seq);
    }
  }

  private onChunk(msg: SnapshotChunkMessage): SyncStep {
    const step: SyncStep = { send: [], events: [] };
    if (msg.index >= msg.total) {
      step.events.push({ kind: 'snapshot-failed', code: 'NG_BAD_MESSAGE', message: `snapshot chunk ${msg.index} of ${msg.total}` });
      return step;
    }
    if (!this.assembly || this.assembly.id !== msg.snapshotId) this.assembly = { id: msg.snapshotId, total: msg.total, chunks: new Map(), touched: true };
    const a = this.assembly;
    if (a.total !== msg.total) {
      this.assembly = null;
      step.events.push({ kind: 'snapshot-failed', code: 'NG_BAD_MESSAGE', message: `snapshot ${msg.snapshotId} changed its chunk count` });
      return step;
    }
    a.touched = true;
    a.chunks.set(msg.index, msg);
    if (a.chunks.size < a.total) return step;
    this.assembly = null;
    const header = a.chunks.get(0)?.header;
    if (!header) {
      step.events.push({ kind: 'snapshot-failed', code: 'NG_BAD_MESSAGE', message: `snapshot ${msg.snapshotId} has no header in chunk 0` });
      return step;
    }
    const docs: SnapshotDoc[] = [];
    for (let i = 0; i < a.total; i++) docs.push(...a.chunks.get(i)!.docs);
    try {
      this.replica.importSnapshot({ format: 'netgoat-snapshot/1', origin: header.origin, hlc: header.hlc, vector: header.vector, docs });
      step.events.push({ kind: 'snapshot-imported', docs: docs.length });
    } catch (e) {
      const err = e instanceof NgError ? e : new NgError('NG_INTERNAL', String(e));
      step.events.push({ kind: 'snapshot-failed', code: err.code, message: err.message });
    }
    step.send.push(this.vectorMessage(true));
    return step;
  }

  private sendSnapshot(step: SyncStep): SyncStep {
    const snapshot = this.replica.exportSnapshot();
    const id = this.opts.newSnapshotId();
    const groups: SnapshotDoc[][] = [[]];
    let bytes = 0;
    for (const doc of snapshot.docs) {
      const size = JSON.stringify(doc).length;
      const current = groups[groups.length - 1]!;
      if (current.length > 0 && (current.length >= MAX_DOCS_PER_CHUNK || bytes + size > this.maxBatchBytes)) {
        groups.push([doc]);
        bytes = size;
      } else {
        current.push(doc);
        bytes += size;
      }
    }
    groups.forEach((docs, index) => {
      step.send.push({
        type: 'snapshot-chunk', v: PEER_WIRE_VERSION, snapshotId: id, index, total: groups.length, docs,
        ...(index === 0 ? { header: { origin: snapshot.origin, hlc: snapshot.hlc, vector: snapshot.vector } } : {}),
      });
    });
    step.events.push({ kind: 'snapshot-sent', chunks: groups.length });
    // Wait for the peer's post-import vector before sending ops past the snapshot.
    this.sentTo = mergeVectors(this.sentTo, snapshot.vector);
    this.inflight = this.window;
    return step;
  }

  /** The wire texts of the longest prefix of `rows` under the byte budget (always at least one op). */
  private cutToSize(rows: readonly OplogRow[]): string[] {
    const texts: string[] = [];
    let bytes = 0;
    for (const row of rows) {
      const text = opRowText(row);
      bytes += text.length;
      if (bytes > this.maxBatchBytes && texts.length > 0) break;
      texts.push(text);
    }
    return texts;
  }

  /** What to send past: what the peer holds or has on the way, with the origins it gets elsewhere treated as complete. */
  private sendPast(): VersionVector {
    if (this.peerSkips.length === 0) return this.sentTo;
    const past = { ...this.sentTo };
    for (const origin of this.peerSkips) past[origin] = Number.MAX_SAFE_INTEGER;
    return past;
  }

  private vectorMessage(resync: boolean): VectorMessage {
    const skip = this.opts.skipFor?.() ?? [];
    return { type: 'vector', v: PEER_WIRE_VERSION, vector: this.replica.vector(), resync, ...(skip.length ? { skip: [...skip] } : {}) };
  }
}
