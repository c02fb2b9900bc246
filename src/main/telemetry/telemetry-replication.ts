// Telemetry replication between members over the peer link's telemetry side channel (not the
// oplog). Pull-based, so a member never receives more than it asked for: every tick it asks each
// linked peer for the buckets of every origin after its cursor, and sends the presence of the
// agents linked to its own gateway; the peer answers with pages and then,
// once the asker holds all it holds, the agent watermarks. Pages are applied idempotently (a
// bucket already held counts once) and the channel only writes while the link is not busy, so
// telemetry never holds up domain sync or config pushes.

import type { AgentHealth } from '../../core/alerts/evaluate';
import { freshestHealth, type RemoteHealth } from '../../core/alerts/freshest-health';
import {
  MAX_AGENTS_PER_MESSAGE, MAX_BUCKETS_PER_PAGE, PEER_TELEMETRY_TYPE, PEER_TELEMETRY_VERSION,
  type PeerTelemetryMessage, type ReplicatedAgent, type TelemetryPage,
} from '../../shared/wire/peer-telemetry';
import type { Logger } from '../log';
import type { TelemetryStore } from './telemetry-store';

/** What the replication needs of the peer links (ClusterService.telemetryChannel()). */
export interface PeerTelemetryChannel {
  /** Members with a link up now. */
  peers(): string[];
  /** Writes one message if the link is up and not busy; false when it was not sent. */
  send(nodeId: string, msg: PeerTelemetryMessage): boolean;
  /** Schema-checked telemetry messages from linked members. */
  onMessage(cb: (from: string, msg: PeerTelemetryMessage) => void): () => void;
  onPeerUp(cb: (nodeId: string) => void): () => void;
}

export interface TelemetryReplicationOptions {
  store: TelemetryStore;
  channel: PeerTelemetryChannel;
  /** The agents linked to this node's gateway, as it sees them. */
  localHealth: () => AgentHealth[];
  log?: Logger;
  now?: () => number;
  /** How often each peer is asked for buckets and sent watermarks (default 1 s). */
  tickMs?: number;
  /** Presence of this node's linked agents goes out every this many ticks (default 5). */
  presenceEveryTicks?: number;
  /** A peer's "connected" claim counts for this long after it arrived (default 3 presence periods). */
  presenceTtlMs?: number;
}

/** Buckets one answer to a `want` may carry, over all origins. */
const MAX_BUCKETS_PER_ANSWER = 4 * MAX_BUCKETS_PER_PAGE;

export class TelemetryReplication {
  private readonly store: TelemetryStore;
  private readonly channel: PeerTelemetryChannel;
  private readonly now: () => number;
  private readonly tickMs: number;
  private readonly presenceEvery: number;
  private readonly presenceTtlMs: number;
  /** Per peer: the local watermark mark up to which agent states went out. */
  private readonly sentAgents = new Map<string, number>();
  /** Per agent and member: the last presence that member sent. */
  private readonly presence = new Map<string, Map<string, RemoteHealth>>();
  private readonly disposers: (() => void)[] = [];
  private ticks = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: TelemetryReplicationOptions) {
    this.store = opts.store;
    this.channel = opts.channel;
    this.now = opts.now ?? Date.now;
    this.tickMs = opts.tickMs ?? 1_000;
    this.presenceEvery = opts.presenceEveryTicks ?? 5;
    this.presenceTtlMs = opts.presenceTtlMs ?? 3 * this.presenceEvery * this.tickMs;
    this.disposers.push(this.channel.onMessage((from, msg) => this.receive(from, msg)));
    this.disposers.push(this.channel.onPeerUp((nodeId) => {
      // A fresh link: the peer may have lost what went out before, so everything goes again.
      this.sentAgents.delete(nodeId);
      this.exchange(nodeId, true);
    }));
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  /** Agent health for the alert evaluator: this gateway's view merged with the members' presence. */
  fleetHealth(): AgentHealth[] {
    const remote = [...this.presence.values()].flatMap((byMember) => [...byMember.values()]);
    return freshestHealth(this.opts.localHealth(), remote, this.now(), this.presenceTtlMs);
  }

  /** One round with every linked peer (the timer calls it; tests may too). */
  tick(): void {
    const withPresence = this.ticks++ % this.presenceEvery === 0;
    for (const peer of this.channel.peers()) this.exchange(peer, withPresence);
  }

  close(): void {
    clearInterval(this.timer);
    for (const dispose of this.disposers.splice(0)) dispose();
  }

  private exchange(peer: string, withPresence: boolean): void {
    try {
      this.ask(peer);
      if (withPresence) this.sendPresence(peer);
    } catch (e) {
      this.opts.log?.error({ err: e, peer }, 'telemetry replication round failed');
    }
  }

  private ask(peer: string): void {
    this.channel.send(peer, { type: PEER_TELEMETRY_TYPE, v: PEER_TELEMETRY_VERSION, kind: 'want', cursors: this.store.cursors() });
  }

  /** The agents linked to this node's gateway now. */
  private sendPresence(peer: string): void {
    const list: ReplicatedAgent[] = this.opts.localHealth().filter((h) => h.connected).map((h) => ({
      agentId: h.agentId, teamId: h.teamId, coveredUntil: null, counters: null,
      presence: { connected: true, lastSeenAt: h.lastSeenAt, nginxDownSince: h.nginxDownSince, lastApply: h.lastApply, appliedVersion: h.appliedVersion },
    }));
    this.sendAgents(peer, list);
  }

  /**
   * Agent watermarks changed since the last ones this peer got. Sent only right after pages that
   * leave the peer holding every bucket this node holds: a watermark ahead of the buckets would
   * make the slots in between look like "no traffic" (healthy) to the alert evaluator.
   */
  private sendWatermarks(peer: string): void {
    const { agents, mark } = this.store.agentsSince(this.sentAgents.get(peer) ?? 0);
    const list = agents.map((a): ReplicatedAgent => ({ agentId: a.agentId, teamId: a.teamId, coveredUntil: a.coveredUntil, counters: a.counters, presence: null }));
    if (this.sendAgents(peer, list)) this.sentAgents.set(peer, mark);
  }

  private sendAgents(peer: string, list: readonly ReplicatedAgent[]): boolean {
    for (let i = 0; i < list.length; i += MAX_AGENTS_PER_MESSAGE) {
      // A busy link: what is left goes in a later round.
      if (!this.channel.send(peer, { type: PEER_TELEMETRY_TYPE, v: PEER_TELEMETRY_VERSION, kind: 'agents', agents: list.slice(i, i + MAX_AGENTS_PER_MESSAGE) })) return false;
    }
    return true;
  }

  private receive(from: string, msg: PeerTelemetryMessage): void {
    try {
      if (msg.kind === 'want') return this.answer(from, msg.cursors);
      if (msg.kind === 'buckets') return this.takePage(from, msg);
      const at = this.now();
      for (const a of msg.agents) {
        if (a.coveredUntil !== null && a.counters !== null) this.store.noteAgent(a.agentId, a.teamId, a.coveredUntil, a.counters);
        if (!a.presence) continue;
        let byMember = this.presence.get(a.agentId);
        if (!byMember) this.presence.set(a.agentId, (byMember = new Map()));
        byMember.set(from, { health: { agentId: a.agentId, teamId: a.teamId, ...a.presence }, receivedAt: at });
      }
    } catch (e) {
      this.opts.log?.error({ err: e, peer: from, kind: msg.kind }, 'telemetry from a peer could not be stored');
    }
  }

  /** One page per origin the peer is behind on, within a budget; the peer asks again for the rest. */
  private answer(peer: string, cursors: Record<string, number>): void {
    let budget = MAX_BUCKETS_PER_ANSWER;
    let caughtUp = true;
    for (const [origin, head] of this.store.originHeads()) {
      const after = cursors[origin] ?? 0;
      // A peer is the authority on its own origin; '' marks buckets of no known origin.
      if (origin === peer || origin === '' || head <= after) continue;
      if (budget <= 0) {
        caughtUp = false;
        continue;
      }
      const limit = Math.min(MAX_BUCKETS_PER_PAGE, budget);
      const rows = this.store.originPage(origin, after, limit + 1);
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      budget -= page.length;
      const msg: TelemetryPage = {
        type: PEER_TELEMETRY_TYPE, v: PEER_TELEMETRY_VERSION, kind: 'buckets', origin, after,
        through: more ? page.at(-1)!.seq : head, more,
        buckets: page.map(({ agentId, teamId, seq, ...bucket }) => ({ agentId, teamId, seq, bucket })),
      };
      if (!this.channel.send(peer, msg)) return;
      if (more) caughtUp = false;
    }
    if (caughtUp) this.sendWatermarks(peer);
  }

  private takePage(from: string, page: TelemetryPage): void {
    if (page.origin === this.store.origin) return;
    const r = this.store.insertReplicated(page.origin, page.after, page.through, page.buckets.map(({ agentId, teamId, seq, bucket }) => ({ ...bucket, agentId, teamId, seq })));
    if (r.inserted > 0) this.opts.log?.debug({ peer: from, origin: page.origin, inserted: r.inserted, duplicates: r.duplicates }, 'telemetry replicated');
    // Catching up: ask for the next page at once instead of waiting for the tick.
    if (page.more) this.ask(from);
  }
}
