// The words the UI shows for an agent: node status from liveness and nginx, sync status from the
// desired and applied versions and the last apply report. Success is never assumed.

import type { LinkRecord } from './link-table';

export type AgentStatusWord = 'Online' | 'Offline' | 'Unavailable' | 'Unknown';
export type SyncWord = 'In sync' | 'Out of sync' | 'Sync failed' | 'Unknown';

/** A connected agent whose last heartbeat is older than this counts as Unavailable. */
export const HEARTBEAT_STALE_MS = 45_000;

/**
 * Online: linked to this node, heartbeat fresh, nginx up. Offline: the agent is up but nginx is
 * down. Unavailable: seen before, not reachable now. Unknown: never seen by this node.
 */
export function agentStatusWord(link: LinkRecord | undefined, connected: boolean, now: number): AgentStatusWord {
  if (!link || link.lastSeen === null) return 'Unknown';
  const fresh = link.heartbeat !== null && now - link.heartbeat.at <= HEARTBEAT_STALE_MS;
  if (!connected || !fresh) return 'Unavailable';
  return link.heartbeat!.nginx.up ? 'Online' : 'Offline';
}

/**
 * In sync: the agent reported applying exactly the desired version and checksum. Sync failed: its
 * last attempt failed. Out of sync: desired moved past what it applied. Unknown: no report yet.
 */
export function syncWord(link: LinkRecord | undefined): SyncWord {
  if (!link || (link.lastAttempt === null && link.lastSeen === null)) return 'Unknown';
  if (link.lastReport && !link.lastReport.ok && link.appliedChecksum !== link.desiredChecksum) return 'Sync failed';
  if (link.desiredChecksum !== '' && link.appliedVersion === link.desiredVersion && link.appliedChecksum === link.desiredChecksum) return 'In sync';
  if (link.desiredChecksum === '') return 'Unknown';
  return 'Out of sync';
}
