// What mDNS has told this node about other nodes on the LAN. Every row is a hint: it says where a
// node might be reached, never that it is trusted (the peer link proves that) or alive (heartbeats do).

import type { Advertisement } from './txt-record';

export interface DiscoveredPeer extends Advertisement {
  /** Addresses the advertisement named or came from, most recent first. */
  addresses: string[];
  firstSeen: number;
  lastSeen: number;
}

export type DiscoveryEvent = { kind: 'discovered' | 'updated'; peer: DiscoveredPeer } | { kind: 'withdrawn'; nodeId: string };

/** How the Peers screen shows a node: found by mDNS only, asked to join, or a cluster member. */
export type PeerState = 'discovered' | 'pending' | 'member';

export class DiscoveredPeers {
  private readonly rows = new Map<string, DiscoveredPeer>();
  private readonly listeners = new Set<(e: DiscoveryEvent) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records an advertisement; emits "discovered" the first time a node id is seen, "updated" when a field changes. */
  saw(ad: Advertisement, addresses: readonly string[]): void {
    const at = this.now();
    const before = this.rows.get(ad.nodeId);
    const merged = [...new Set([...addresses, ...(before?.addresses ?? [])])].slice(0, 8);
    const row: DiscoveredPeer = { ...ad, addresses: merged, firstSeen: before?.firstSeen ?? at, lastSeen: at };
    this.rows.set(ad.nodeId, row);
    if (!before) this.emit({ kind: 'discovered', peer: { ...row } });
    else if (changed(before, row)) this.emit({ kind: 'updated', peer: { ...row } });
  }

  /** The node said goodbye on mDNS: only the hint goes, a member stays a member. */
  withdrawn(nodeId: string): void {
    if (this.rows.delete(nodeId)) this.emit({ kind: 'withdrawn', nodeId });
  }

  get(nodeId: string): DiscoveredPeer | undefined {
    const row = this.rows.get(nodeId);
    return row ? { ...row, addresses: [...row.addresses] } : undefined;
  }

  list(): DiscoveredPeer[] {
    return [...this.rows.values()].map((r) => ({ ...r, addresses: [...r.addresses] })).sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  onEvent(listener: (e: DiscoveryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: DiscoveryEvent): void {
    for (const l of this.listeners) l(e);
  }
}

/** The state shown for a discovered node, given who is a member and whom the operator asked to join. */
export function peerState(nodeId: string, memberIds: ReadonlySet<string>, pendingIds: ReadonlySet<string>): PeerState {
  if (memberIds.has(nodeId)) return 'member';
  return pendingIds.has(nodeId) ? 'pending' : 'discovered';
}

const changed = (a: DiscoveredPeer, b: DiscoveredPeer): boolean =>
  a.port !== b.port || a.fingerprint !== b.fingerprint || a.clusterIdHash !== b.clusterIdHash || a.addresses.join() !== b.addresses.join();
