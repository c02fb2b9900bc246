import { describe, expect, it } from 'vitest';
import { emptyLink, type LinkRecord } from './link-table';
import { agentStatusWord, HEARTBEAT_STALE_MS, syncWord } from './status';

const nginx = (up: boolean) => ({ up, active: 0, accepts: 0, handled: 0, requests: 0, reading: 0, writing: 0, waiting: 0 });
const host = { loadavg: [0, 0, 0], memTotalMb: 1, memFreeMb: 1, uptimeS: 1 };
const link = (over: Partial<LinkRecord>): LinkRecord => ({ ...emptyLink('a'), ...over });
const ok = { ok: true, code: null, message: null, domainId: null, durationMs: 1, rolledBack: false };

describe('agent status words', () => {
  it('Online / Offline / Unavailable / Unknown', () => {
    const now = 1_000_000;
    expect(agentStatusWord(undefined, false, now)).toBe('Unknown');
    expect(agentStatusWord(link({ lastSeen: now, heartbeat: { nginx: nginx(true), host, at: now } }), true, now)).toBe('Online');
    expect(agentStatusWord(link({ lastSeen: now, heartbeat: { nginx: nginx(false), host, at: now } }), true, now)).toBe('Offline');
    expect(agentStatusWord(link({ lastSeen: now, heartbeat: { nginx: nginx(true), host, at: now } }), false, now)).toBe('Unavailable');
    expect(agentStatusWord(link({ lastSeen: now, heartbeat: { nginx: nginx(true), host, at: now - HEARTBEAT_STALE_MS - 1 } }), true, now)).toBe('Unavailable');
  });

  it('In sync only when the reported version and checksum are the desired ones', () => {
    expect(syncWord(undefined)).toBe('Unknown');
    expect(syncWord(link({ lastSeen: 1, desiredVersion: 3, desiredChecksum: 'c', appliedVersion: 3, appliedChecksum: 'c', lastAttempt: 1, lastReport: ok }))).toBe('In sync');
    expect(syncWord(link({ lastSeen: 1, desiredVersion: 4, desiredChecksum: 'd', appliedVersion: 3, appliedChecksum: 'c', lastAttempt: 1, lastReport: ok }))).toBe('Out of sync');
    expect(syncWord(link({ lastSeen: 1, desiredVersion: 4, desiredChecksum: 'd', appliedVersion: 3, appliedChecksum: 'c', lastAttempt: 2, lastReport: { ...ok, ok: false, code: 'NG_NGINX_INVALID' } }))).toBe('Sync failed');
  });
});
