// Which linked peer feeds this node each origin's ops. Without it every linked peer pushes every
// op it holds that this node lacks, so a node catching up receives (and decodes) the same backlog
// once per peer, and in a full mesh every write is forwarded by every member. The rule: an origin
// that is linked feeds its own ops; an origin that is not is fed by the linked peer holding most
// of it (ties to the smaller id). Every other peer is told to leave that origin out. The choice is
// recomputed for every vector message, so a feeder that drops away is replaced at the next one
// (an ack, or the 2 s anti-entropy tick).

import type { VersionVector } from '../../shared/ops';

export interface LinkedPeer {
  id: string;
  /** What the peer last reported holding. */
  vector: VersionVector;
}

/** The origin → feeding peer choice over the peers linked right now. */
export function chooseFeeders(peers: readonly LinkedPeer[]): Map<string, string> {
  const feeders = new Map<string, string>();
  const linked = new Set(peers.map((p) => p.id));
  const held = new Map<string, number>();
  for (const peer of peers) {
    for (const [origin, seq] of Object.entries(peer.vector)) {
      if (linked.has(origin)) {
        feeders.set(origin, origin);
        continue;
      }
      const best = held.get(origin);
      const current = feeders.get(origin);
      if (best === undefined || seq > best || (seq === best && current !== undefined && peer.id < current)) {
        held.set(origin, seq);
        feeders.set(origin, peer.id);
      }
    }
  }
  // A linked origin feeds itself even before it reported a vector that names itself.
  for (const id of linked) feeders.set(id, id);
  return feeders;
}

/** The origins `peerId` may leave out when it sends to this node: those another linked peer feeds. */
export function originsToSkip(peerId: string, peers: readonly LinkedPeer[]): string[] {
  const skip: string[] = [];
  for (const [origin, feeder] of chooseFeeders(peers)) if (feeder !== peerId) skip.push(origin);
  return skip.sort();
}
