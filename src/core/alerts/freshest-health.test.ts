import { describe, expect, it } from 'vitest';
import type { AgentHealth } from './evaluate';
import { freshestHealth } from './freshest-health';

const NOW = 1_000_000;
const health = (over: Partial<AgentHealth>): AgentHealth => ({ teamId: 't', agentId: 'agt_a', connected: false, lastSeenAt: null, nginxDownSince: null, lastApply: null, appliedVersion: null, ...over });

describe('agent health across members', () => {
  it('takes the freshest heartbeat, and connected from any member still heard from', () => {
    const local = [health({ lastSeenAt: NOW - 600_000, appliedVersion: 1 })];
    const remote = [{ health: health({ connected: true, lastSeenAt: NOW - 500, nginxDownSince: NOW - 2_000, appliedVersion: 2 }), receivedAt: NOW - 1_000 }];
    expect(freshestHealth(local, remote, NOW, 15_000)).toEqual([health({ connected: true, lastSeenAt: NOW - 500, nginxDownSince: NOW - 2_000, appliedVersion: 2 })]);
  });

  it('a claim from a member not heard from within the ttl no longer keeps the agent connected', () => {
    const remote = [{ health: health({ connected: true, lastSeenAt: NOW - 60_000 }), receivedAt: NOW - 60_000 }];
    expect(freshestHealth([health({})], remote, NOW, 15_000)).toEqual([health({ lastSeenAt: NOW - 60_000 })]);
  });

  it('the local view stands when it is the freshest, whatever order the records come in', () => {
    const local = [health({ connected: true, lastSeenAt: NOW })];
    const remote = [
      { health: health({ lastSeenAt: NOW - 9_000 }), receivedAt: NOW },
      { health: health({ agentId: 'agt_b', connected: true, lastSeenAt: NOW - 100 }), receivedAt: NOW },
    ];
    const merged = freshestHealth(local, remote, NOW, 15_000);
    expect(merged).toEqual([health({ connected: true, lastSeenAt: NOW }), health({ agentId: 'agt_b', connected: true, lastSeenAt: NOW - 100 })]);
    expect(freshestHealth(local, [...remote].reverse(), NOW, 15_000)).toEqual(merged);
  });
});
