// Runs the sans-I/O LeaderElection (src/core/election) on a live node: real timers at its deadlines,
// peer-link and member-list changes as inputs, terms persisted node-locally before anything carrying
// them is sent, and leadership events for the status page and the leader-duties hook.

import type Database from 'better-sqlite3';
import { LeaderElection } from '../../core/election/election';
import type { ElectionTimings } from '../../core/election/config';
import type { Member as RankMember } from '../../core/election/rank';
import type { ElectionInput, ElectionOutput, ElectionRole, LeadershipEvent } from '../../core/election/types';
import type { ElectionWireMessage } from '../../shared/wire/election';
import type { Store } from '../db/store';
import type { Logger } from '../log';
import { listMembers } from './members';

/** The part of the peer mesh the election rides on. */
export interface ElectionTransport {
  peers(): { nodeId: string | null; connected: boolean }[];
  onPeerUp(cb: (s: { nodeId: string | null }) => void): () => void;
  onPeerDown(cb: (s: { nodeId: string | null }) => void): () => void;
  onElection(cb: (from: string, msg: ElectionWireMessage) => void): () => void;
  sendElection(nodeId: string, msg: ElectionWireMessage): boolean;
  broadcastElection(msg: ElectionWireMessage): void;
}

export interface LeaderStatus {
  leaderId: string | null;
  term: number;
  role: ElectionRole;
  /** When this node learnt of the current leader (ms since epoch); null while it knows of none. */
  since: number | null;
}

export interface ElectionRunnerOptions {
  store: Store;
  mesh: ElectionTransport;
  log: Logger;
  timings?: Partial<ElectionTimings>;
  now?: () => number;
}

const TERM_KEY = 'election_term';

export function readPersistedTerm(db: Database.Database): number {
  const raw = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(TERM_KEY) as string | undefined;
  const term = raw === undefined ? 0 : Number(raw);
  return Number.isSafeInteger(term) && term >= 0 ? term : 0;
}

/** The live members as the election ranks them: removed members take no part. */
const electionRoster = (store: Store): RankMember[] =>
  listMembers(store).filter((m) => !m.removed).map((m) => ({ nodeId: m.id, priority: m.priority }));

export class ElectionRunner {
  private readonly election: LeaderElection;
  private readonly now: () => number;
  private readonly listeners = new Set<(event: LeadershipEvent) => void>();
  private readonly disposers: (() => void)[] = [];
  private readonly persistTerm: Database.Statement;
  private timer: NodeJS.Timeout | null = null;
  private since: number | null = null;
  private persistedTerm: number;
  private closed = false;

  constructor(private readonly opts: ElectionRunnerOptions) {
    this.now = opts.now ?? Date.now;
    const { store, mesh } = opts;
    this.persistTerm = store.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.persistedTerm = readPersistedTerm(store.db);
    this.election = new LeaderElection({
      nodeId: store.nodeId,
      members: electionRoster(store),
      persistedTerm: this.persistedTerm,
      connectedPeers: mesh.peers().filter((p) => p.connected && p.nodeId).map((p) => p.nodeId!),
      ...(opts.timings ? { timings: opts.timings } : {}),
      now: this.now(),
    });
    this.disposers.push(
      mesh.onElection((from, message) => this.step({ kind: 'message', from, message })),
      mesh.onPeerUp((s) => s.nodeId && this.step({ kind: 'peer-connected', peerId: s.nodeId })),
      mesh.onPeerDown((s) => s.nodeId && this.step({ kind: 'peer-disconnected', peerId: s.nodeId })),
      store.onChange((events) => {
        if (events.some((e) => e.collection === 'members')) this.step({ kind: 'members-changed', members: electionRoster(store) });
      }),
    );
    this.arm();
  }

  status(): LeaderStatus {
    const s = this.election.status();
    return { leaderId: s.leaderId, term: s.term, role: s.role, since: s.leaderId ? this.since : null };
  }

  /** Leadership changes of this node: became-leader, lost-leadership, leader-changed. */
  onEvent(cb: (event: LeadershipEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /**
   * The node is quitting: a leader sends its handover now, while the links are still up, so the
   * others need not wait to suspect it. Call before closing the mesh. `handover: false` makes the
   * node fall silent as a crashed one would (the failover benchmark).
   */
  close(opts: { handover?: boolean } = {}): void {
    if (this.closed) return;
    if (opts.handover !== false) this.step({ kind: 'shutdown' });
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const dispose of this.disposers.splice(0).reverse()) dispose();
  }

  private step(input: ElectionInput): void {
    if (this.closed) return;
    this.carryOut(this.election.step(input, this.now()));
    this.arm();
  }

  /** In order: a persist-term is made durable before any message after it leaves. */
  private carryOut(outputs: readonly ElectionOutput[]): void {
    for (const out of outputs) {
      switch (out.kind) {
        case 'persist-term':
          if (out.term > this.persistedTerm) {
            this.persistTerm.run(TERM_KEY, String(out.term));
            this.persistedTerm = out.term;
          }
          break;
        case 'send':
          this.opts.mesh.sendElection(out.to, out.message);
          break;
        case 'broadcast':
          this.opts.mesh.broadcastElection(out.message);
          break;
        case 'leadership':
          this.announce(out.event);
          break;
      }
    }
  }

  private announce(event: LeadershipEvent): void {
    if (event.type === 'leader-changed') this.since = event.leaderId ? this.now() : null;
    this.opts.log.info({ ...event }, `election: ${event.type}`);
    for (const cb of this.listeners) {
      try {
        cb(event);
      } catch (e) {
        this.opts.log.error({ err: e, event: event.type }, 'a leadership listener failed');
      }
    }
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const deadline = this.election.nextDeadline();
    if (deadline === null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.step({ kind: 'tick' });
    }, Math.max(0, deadline - this.now()));
  }
}
