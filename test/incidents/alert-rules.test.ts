// The pure alert evaluator: when each rule fires, keeps, recovers and cools down, and that the
// incident id depends only on the episode (so any leader derives the same one).

import { describe, expect, it } from 'vitest';
import { evaluateAlerts, incidentIdFor, type AlertInputs, type KnownIncident, type OpenDecision } from '../../src/core/alerts/evaluate';
import { defaultRules, defaultRuleId, type AlertRuleDoc } from '../../src/core/alerts/rules';
import type { TrafficBucket } from '../../src/core/telemetry/bucket';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const M = 60_000;
const rule: AlertRuleDoc = { id: 'alr_1', teamId: 't1', kind: 'upstream_502_streak', name: '502s', enabled: true, cooldownS: 600, params: { min502: 5, minPercent: 20, minRequests: 10, buckets: 3, recoveryBuckets: 2 } };

const b = (minute: number, requests: number, s502: number): TrafficBucket => ({
  domainId: 'd1', start: T0 + minute * M, lengthMs: M, requests, status2xx: requests - s502, status3xx: 0, status4xx: 0, status5xx: s502, status502: s502, bytes: 0,
  p50Ms: 1, p95Ms: 1, p99Ms: 1, latency: [[1, requests]], configVersion: 9,
});

function inputs(buckets: TrafficBucket[], coveredMinutes: number, incidents: KnownIncident[] = [], extra: Partial<AlertInputs> = {}): AlertInputs {
  return {
    now: T0 + coveredMinutes * M + 5_000, rules: [rule], agents: [], certificates: [], incidents,
    traffic: [{ teamId: 't1', agentId: 'ag1', domainId: 'd1', bucketMs: M, coveredUntil: T0 + coveredMinutes * M, buckets }],
    ...extra,
  };
}

const openAs = (d: OpenDecision, status: KnownIncident['status'] = 'open', resolvedAt: number | null = null): KnownIncident =>
  ({ id: d.incidentId, teamId: d.teamId, ruleId: d.ruleId, status, agentId: d.agentId, domainId: d.domainId, resolvedAt });

describe('502 streak', () => {
  const streak = [b(0, 100, 0), b(1, 100, 30), b(2, 8, 6), b(3, 100, 25)];

  it('fires after the configured number of failing buckets, by count or by share', () => {
    expect(evaluateAlerts(inputs(streak.slice(0, 3), 3))).toEqual([]);
    const [d] = evaluateAlerts(inputs(streak, 4)) as OpenDecision[];
    expect(d).toMatchObject({ type: 'open', ruleId: 'alr_1', agentId: 'ag1', domainId: 'd1', since: T0 + M, configVersion: 9 });
    expect(d!.incidentId).toBe(incidentIdFor('alr_1', 'ag1', 'd1', T0 + M));
    expect(d!.detail).toContain('61 of 208');
  });

  it('ignores buckets not yet complete on the agent, and a gap breaks the streak', () => {
    expect(evaluateAlerts(inputs(streak, 3))).toEqual([]);
    expect(evaluateAlerts(inputs([b(1, 100, 30), b(3, 100, 30), b(4, 100, 30)], 5))).toEqual([]);
  });

  it('names the same incident however much of the streak a leader saw, and keeps an open one', () => {
    const first = evaluateAlerts(inputs(streak, 4))[0] as OpenDecision;
    const later = evaluateAlerts(inputs([...streak, b(4, 100, 50)], 5))[0] as OpenDecision;
    expect(later.incidentId).toBe(first.incidentId);
    expect(evaluateAlerts(inputs([...streak, b(4, 100, 50)], 5, [openAs(first)]))).toEqual([]);
  });

  it('resolves after enough healthy buckets (an empty minute is healthy), then cools down', () => {
    const d = evaluateAlerts(inputs(streak, 4))[0] as OpenDecision;
    const open = [openAs(d)];
    expect(evaluateAlerts(inputs([...streak, b(4, 100, 0)], 5, open))).toEqual([]);
    expect(evaluateAlerts(inputs([...streak, b(4, 100, 0)], 6, open))).toEqual([{ type: 'resolve', incidentId: d.incidentId, teamId: 't1', detail: '502s: recovered' }]);

    const resolvedAt = T0 + 6 * M;
    const again = [...streak, b(6, 100, 50), b(7, 100, 50), b(8, 100, 50)];
    expect(evaluateAlerts(inputs(again, 9, [openAs(d, 'resolved', resolvedAt)]))).toEqual([]);
    const after = evaluateAlerts(inputs([...again, b(9, 100, 50), b(10, 100, 50), b(11, 100, 50), b(12, 100, 50), b(13, 100, 50), b(14, 100, 50), b(15, 100, 50), b(16, 100, 50)], 17, [openAs(d, 'resolved', resolvedAt)]));
    expect(after).toHaveLength(1);
    expect((after[0] as OpenDecision).since).toBe(T0 + 6 * M);
  });

  it('does not reopen an episode someone resolved by hand while it still fails', () => {
    const d = evaluateAlerts(inputs(streak, 4))[0] as OpenDecision;
    expect(evaluateAlerts({ ...inputs(streak, 4, [openAs(d, 'resolved', T0)]), rules: [{ ...rule, cooldownS: 0 }] })).toEqual([]);
  });

  it('evaluates nothing for a disabled rule', () => {
    expect(evaluateAlerts({ ...inputs(streak, 4), rules: [{ ...rule, enabled: false }] })).toEqual([]);
  });
});

describe('fleet and certificate rules', () => {
  const rules = defaultRules('t1');
  const now = T0 + 3_600_000;
  const health = { teamId: 't1', agentId: 'ag1', connected: true, lastSeenAt: now, nginxDownSince: null, lastApply: null, appliedVersion: 4 };

  it('opens per agent for unavailable, nginx down and a failed apply, and resolves when they clear', () => {
    const bad = [
      { ...health, connected: false, lastSeenAt: now - 5 * M },
      { ...health, agentId: 'ag2', nginxDownSince: now - M },
      { ...health, agentId: 'ag3', lastApply: { version: 12, ok: false, at: now - 1_000, code: 'NG_NGINX_INVALID', message: 'unknown directive', domainId: 'd7' } },
      { ...health, agentId: 'ag4', connected: false, lastSeenAt: now - 30_000 },
    ];
    const opened = evaluateAlerts({ now, rules, traffic: [], agents: bad, certificates: [], incidents: [] }) as OpenDecision[];
    expect(opened.map((d) => [d.kind, d.agentId])).toEqual([['agent_unavailable', 'ag1'], ['nginx_down', 'ag2'], ['apply_failed', 'ag3']]);
    expect(opened[2]).toMatchObject({ domainId: 'd7', lastApply: { version: 12 }, incidentId: incidentIdFor(defaultRuleId('t1', 'apply_failed'), 'ag3', 'd7', 12) });
    const incidents = opened.map((d) => openAs(d));
    const healthy = bad.map((a) => ({ ...a, connected: true, lastSeenAt: now, nginxDownSince: null, lastApply: a.lastApply && { ...a.lastApply, version: 13, ok: true } }));
    expect(evaluateAlerts({ now, rules, traffic: [], agents: healthy, certificates: [], incidents }).map((d) => [d.type, d.incidentId])).toEqual(opened.map((d) => ['resolve', d.incidentId]));
  });

  it('warns of certificates expiring within the window', () => {
    const certificates = [
      { teamId: 't1', domainId: 'd1', hostname: 'soon.example.com', notAfter: now + 3 * 86_400_000 },
      { teamId: 't1', domainId: 'd2', hostname: 'later.example.com', notAfter: now + 60 * 86_400_000 },
      { teamId: 't2', domainId: 'd3', hostname: 'other-team.example.com', notAfter: now + 86_400_000 },
    ];
    const opened = evaluateAlerts({ now, rules, traffic: [], agents: [], certificates, incidents: [] }) as OpenDecision[];
    expect(opened.map((d) => [d.kind, d.domainId])).toEqual([['certificate_expiring', 'd1']]);
    expect(opened[0]!.title).toContain('soon.example.com');
  });
});
