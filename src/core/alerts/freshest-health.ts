// Agent health across the cluster: an agent links to one node's gateway at a time, so the leader
// merges its own gateway's view with the presence records other members sent. Per agent the
// freshest heartbeat wins; a "connected" claim counts only while the member that made it is heard
// from (a dead member's claim must not keep an agent alive forever).

import type { AgentHealth } from './evaluate';

/** A presence record another member sent, and when it arrived here. */
export interface RemoteHealth {
  health: AgentHealth;
  receivedAt: number;
}

export function freshestHealth(local: readonly AgentHealth[], remote: readonly RemoteHealth[], now: number, ttlMs: number): AgentHealth[] {
  const best = new Map<string, AgentHealth>();
  const take = (h: AgentHealth): void => {
    const held = best.get(h.agentId);
    if (!held) return void best.set(h.agentId, h);
    const connected = held.connected || h.connected;
    const newer = (h.lastSeenAt ?? -1) > (held.lastSeenAt ?? -1);
    best.set(h.agentId, { ...(newer ? h : held), connected });
  };
  for (const h of local) take(h);
  for (const r of remote) take(now - r.receivedAt <= ttlMs ? r.health : { ...r.health, connected: false });
  return [...best.values()];
}
