// The alert evaluator, pure: rules + what the fleet looks like now + the incidents that exist →
// which incidents to open and which to resolve. Incident ids derive from the rule, the subject
// and the start of the episode, so two leaders evaluating the same streak name the same incident.

import { derivedId } from '../../shared/ids';
import type { TrafficBucket } from '../telemetry/bucket';
import { param, type AlertKind, type AlertRuleDoc } from './rules';

/** One agent's buckets for one domain, oldest first, with how far that agent's data is complete. */
export interface TrafficSeries {
  teamId: string;
  agentId: string;
  domainId: string;
  bucketMs: number;
  coveredUntil: number;
  buckets: readonly TrafficBucket[];
}

export interface LastApply {
  version: number;
  ok: boolean;
  at: number;
  code: string | null;
  message: string | null;
  domainId: string | null;
}

/** What the gateway knows about an agent. */
export interface AgentHealth {
  teamId: string;
  agentId: string;
  connected: boolean;
  /** When the agent was last heard from (null: never). */
  lastSeenAt: number | null;
  /** Since when nginx has been reported down (null: up or unknown). */
  nginxDownSince: number | null;
  lastApply: LastApply | null;
  appliedVersion: number | null;
}

export interface CertificateState {
  teamId: string;
  domainId: string;
  hostname: string;
  notAfter: number;
}

export interface KnownIncident {
  id: string;
  teamId: string;
  ruleId: string | null;
  status: 'open' | 'acknowledged' | 'resolved';
  agentId: string | null;
  domainId: string | null;
  resolvedAt: number | null;
}

export interface AlertInputs {
  now: number;
  rules: readonly AlertRuleDoc[];
  traffic: readonly TrafficSeries[];
  agents: readonly AgentHealth[];
  certificates: readonly CertificateState[];
  incidents: readonly KnownIncident[];
}

export interface OpenDecision {
  type: 'open';
  incidentId: string;
  teamId: string;
  ruleId: string;
  kind: AlertKind;
  agentId: string | null;
  domainId: string | null;
  title: string;
  /** When the condition began (the episode): part of the id. */
  since: number;
  detail: string;
  configVersion: number | null;
  lastApply: LastApply | null;
}

export interface ResolveDecision {
  type: 'resolve';
  incidentId: string;
  teamId: string;
  detail: string;
}

export type AlertDecision = OpenDecision | ResolveDecision;

/** A condition that holds now for one subject of a rule. */
interface Firing { agentId: string | null; domainId: string | null; since: number; title: string; detail: string; configVersion: number | null; lastApply: LastApply | null }

/** Per subject: firing, or (for streak rules) recovered enough to resolve; subjects in neither set keep their incident as it is. */
interface RuleVerdict { firing: Firing[]; recovered: Set<string> }

const subjectKey = (agentId: string | null, domainId: string | null): string => `${agentId ?? ''}\u0000${domainId ?? ''}`;

export const incidentIdFor = (ruleId: string, agentId: string | null, domainId: string | null, since: number): string =>
  derivedId('inc', ruleId, agentId ?? '', domainId ?? '', String(since));

export function evaluateAlerts(input: AlertInputs): AlertDecision[] {
  const decisions: AlertDecision[] = [];
  for (const rule of input.rules) {
    if (!rule.enabled) continue;
    const verdict = judge(rule, input);
    const firingKeys = new Set(verdict.firing.map((f) => subjectKey(f.agentId, f.domainId)));
    const ofRule = input.incidents.filter((i) => i.ruleId === rule.id && i.teamId === rule.teamId);
    for (const f of verdict.firing) {
      const key = subjectKey(f.agentId, f.domainId);
      const mine = ofRule.filter((i) => subjectKey(i.agentId, i.domainId) === key);
      if (mine.some((i) => i.status !== 'resolved')) continue;
      const id = incidentIdFor(rule.id, f.agentId, f.domainId, f.since);
      // Resolved by hand while the condition still holds: the same episode does not reopen.
      if (mine.some((i) => i.id === id)) continue;
      const lastResolved = Math.max(...mine.map((i) => i.resolvedAt ?? 0), 0);
      if (lastResolved > 0 && input.now < lastResolved + rule.cooldownS * 1000) continue;
      decisions.push({ type: 'open', incidentId: id, teamId: rule.teamId, ruleId: rule.id, kind: rule.kind, ...f });
    }
    for (const inc of ofRule) {
      if (inc.status === 'resolved') continue;
      const key = subjectKey(inc.agentId, inc.domainId);
      const recovered = rule.kind === 'upstream_502_streak' ? verdict.recovered.has(key) : !firingKeys.has(key);
      if (recovered) decisions.push({ type: 'resolve', incidentId: inc.id, teamId: inc.teamId, detail: `${rule.name}: recovered` });
    }
  }
  return decisions;
}

function judge(rule: AlertRuleDoc, input: AlertInputs): RuleVerdict {
  const recovered = new Set<string>();
  const firing: Firing[] = [];
  const agents = input.agents.filter((a) => a.teamId === rule.teamId);
  switch (rule.kind) {
    case 'upstream_502_streak':
      for (const s of input.traffic) {
        if (s.teamId !== rule.teamId) continue;
        const streak = judgeStreak(rule, s);
        if (streak.firing) firing.push(streak.firing);
        if (streak.recovered) recovered.add(subjectKey(s.agentId, s.domainId));
      }
      break;
    case 'agent_unavailable': {
      const afterMs = param(rule, 'afterS') * 1000;
      for (const a of agents) {
        if (a.connected || a.lastSeenAt === null || input.now - a.lastSeenAt < afterMs) continue;
        firing.push({ agentId: a.agentId, domainId: null, since: a.lastSeenAt, title: `Agent ${a.agentId} unavailable`, detail: `not heard from since ${iso(a.lastSeenAt)}`, configVersion: a.appliedVersion, lastApply: a.lastApply });
      }
      break;
    }
    case 'nginx_down': {
      const afterMs = param(rule, 'afterS') * 1000;
      for (const a of agents) {
        if (a.nginxDownSince === null || input.now - a.nginxDownSince < afterMs) continue;
        firing.push({ agentId: a.agentId, domainId: null, since: a.nginxDownSince, title: `nginx down on agent ${a.agentId}`, detail: `nginx reported down since ${iso(a.nginxDownSince)}`, configVersion: a.appliedVersion, lastApply: a.lastApply });
      }
      break;
    }
    case 'apply_failed':
      for (const a of agents) {
        const last = a.lastApply;
        if (!last || last.ok) continue;
        firing.push({ agentId: a.agentId, domainId: last.domainId, since: last.version, title: `Config version ${last.version} failed to apply on agent ${a.agentId}`, detail: `${last.code ?? 'error'}: ${last.message ?? ''}`.trim(), configVersion: a.appliedVersion, lastApply: last });
      }
      break;
    case 'certificate_expiring': {
      const withinMs = param(rule, 'days') * 86_400_000;
      for (const c of input.certificates) {
        if (c.teamId !== rule.teamId || c.notAfter - input.now > withinMs) continue;
        const expired = c.notAfter <= input.now;
        firing.push({ agentId: null, domainId: c.domainId, since: c.notAfter, title: `Certificate for ${c.hostname} ${expired ? 'has expired' : 'expires soon'}`, detail: `not valid after ${iso(c.notAfter)}`, configVersion: null, lastApply: null });
      }
      break;
    }
  }
  return { firing, recovered };
}

/** Walks the complete slots from newest to oldest: the failing run at the end fires, a long enough healthy run at the end recovers. */
function judgeStreak(rule: AlertRuleDoc, s: TrafficSeries): { firing: Firing | null; recovered: boolean } {
  const need = Math.max(1, param(rule, 'buckets'));
  const recoverAfter = Math.max(1, param(rule, 'recoveryBuckets'));
  const bySlot = new Map(s.buckets.map((b) => [b.start, b]));
  const failing = (b: TrafficBucket | undefined): boolean => b !== undefined && (b.status502 >= param(rule, 'min502') && b.status502 > 0
    || (b.requests >= Math.max(1, param(rule, 'minRequests')) && (100 * b.status502) / b.requests >= param(rule, 'minPercent')));
  const last = Math.floor(s.coveredUntil / s.bucketMs) * s.bucketMs - s.bucketMs;
  const oldest = s.buckets[0]?.start ?? last;
  let failRun = 0;
  let healthyRun = 0;
  let t = last;
  const newestFails = failing(bySlot.get(last));
  for (; t >= oldest; t -= s.bucketMs) {
    const f = failing(bySlot.get(t));
    if (f !== newestFails) break;
    if (f) failRun++;
    else healthyRun++;
  }
  if (newestFails && failRun >= need) {
    const since = t + s.bucketMs;
    const run = [...bySlot.values()].filter((b) => b.start >= since && b.start <= last);
    const total502 = run.reduce((n, b) => n + b.status502, 0);
    const total = run.reduce((n, b) => n + b.requests, 0);
    const newest = bySlot.get(last)!;
    return {
      firing: { agentId: s.agentId, domainId: s.domainId, since, title: `Upstream 502s on ${s.domainId} via agent ${s.agentId}`, detail: `${total502} of ${total} requests answered 502 over ${failRun} consecutive buckets since ${iso(since)}`, configVersion: newest.configVersion, lastApply: null },
      recovered: false,
    };
  }
  return { firing: null, recovered: !newestFails && healthyRun >= recoverAfter };
}

const iso = (ms: number): string => new Date(ms).toISOString();
