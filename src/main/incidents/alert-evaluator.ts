// The leader-only alert duty: every few seconds, gathers the inputs of the pure evaluator
// (rules with team defaults, recent telemetry, fleet health, certificates, incidents), applies
// its decisions through the incident service, and announces what changed.

import { evaluateAlerts, type AgentHealth, type CertificateState, type KnownIncident, type TrafficSeries } from '../../core/alerts/evaluate';
import { defaultRules, type AlertKind, type AlertRuleDoc } from '../../core/alerts/rules';
import type { Store } from '../db/store';
import type { Logger } from '../log';
import type { Notice } from '../notify/webhook-payload';
import type { TelemetryStore } from '../telemetry/telemetry-store';
import { IncidentService, noticeFor } from './incident-service';

export interface AlertEvaluatorOptions {
  store: Store;
  telemetry: TelemetryStore;
  /** Agent connectivity, nginx state and last apply, as the gateway sees them. */
  fleet?: { agents(): AgentHealth[] };
  now?: () => number;
  logger?: Logger;
  /** Called for each incident opened or resolved here (the notification dispatcher). */
  notify?: (notice: Notice) => unknown;
  intervalMs?: number;
  /** How much recent telemetry each evaluation reads. */
  windowMs?: number;
}

/** One evaluation pass; returns what it did (tests call this directly). */
export function evaluateOnce(opts: AlertEvaluatorOptions, service = new IncidentService(opts.store)): { opened: string[]; resolved: string[] } {
  const now = (opts.now ?? Date.now)();
  const { store, telemetry } = opts;
  const incidents: KnownIncident[] = store.list('incidents').map((i) => ({ id: i.id, teamId: i.teamId, ruleId: i.ruleId, status: i.status, agentId: i.agentId, domainId: i.domainId, resolvedAt: i.resolvedAt }));
  const decisions = evaluateAlerts({
    now,
    rules: rulesOf(store),
    traffic: recentTraffic(telemetry, incidents, now - (opts.windowMs ?? 2 * 3_600_000)),
    agents: opts.fleet?.agents() ?? [],
    certificates: certificates(store),
    incidents,
  });
  const opened: string[] = [];
  const resolved: string[] = [];
  for (const d of decisions) {
    try {
      if (d.type === 'open') {
        const r = service.open(d, now);
        if (!r.created) continue;
        opened.push(d.incidentId);
        announce(opts, noticeFor('incident.opened', r.incident, now));
      } else {
        const inc = service.resolve(d.teamId, d.incidentId, null, now, d.detail);
        if (!inc) continue;
        resolved.push(d.incidentId);
        announce(opts, noticeFor('incident.resolved', inc, now));
      }
    } catch (e) {
      opts.logger?.error({ err: e, incidentId: d.incidentId }, 'alert decision could not be applied');
    }
  }
  return { opened, resolved };
}

/** Starts the duty (register it with LeaderDuties); returns how to stop it. */
export function startAlertEvaluator(opts: AlertEvaluatorOptions): () => void {
  const service = new IncidentService(opts.store);
  const tick = (): void => {
    try {
      evaluateOnce(opts, service);
    } catch (e) {
      opts.logger?.error({ err: e }, 'alert evaluation failed');
    }
  };
  tick();
  const timer = setInterval(tick, opts.intervalMs ?? 5_000);
  timer.unref();
  return () => clearInterval(timer);
}

function announce(opts: AlertEvaluatorOptions, notice: Notice): void {
  if (!opts.notify) return;
  Promise.resolve()
    .then(() => opts.notify!(notice))
    .catch((e: unknown) => opts.logger?.error({ err: e, event: notice.event }, 'incident notification failed'));
}

/** Each team's rules; a kind the team has no rule for gets its default. */
function rulesOf(store: Store): AlertRuleDoc[] {
  const written = store.list('alert_rules');
  const rules: AlertRuleDoc[] = written.map((r) => ({ id: r.id, teamId: r.teamId, kind: r.kind, name: r.name, enabled: r.enabled, params: r.params, cooldownS: r.cooldownS }));
  const has = new Set(written.map((r) => `${r.teamId}\u0000${r.kind}`));
  for (const team of store.list('teams')) {
    for (const d of defaultRules(team.id)) if (!has.has(`${team.id}\u0000${d.kind as AlertKind}`)) rules.push(d);
  }
  return rules;
}

function recentTraffic(telemetry: TelemetryStore, incidents: readonly KnownIncident[], from: number): TrafficSeries[] {
  const series = new Map<string, TrafficSeries & { buckets: TrafficSeries['buckets'][number][] }>();
  for (const a of telemetry.agents()) {
    for (const b of telemetry.query({ teamId: a.teamId, agentId: a.agentId, from, to: a.coveredUntil, resolution: 'base' })) {
      const key = `${a.agentId}\u0000${b.domainId}`;
      let s = series.get(key);
      if (!s) series.set(key, (s = { teamId: a.teamId, agentId: a.agentId, domainId: b.domainId, bucketMs: b.lengthMs, coveredUntil: a.coveredUntil, buckets: [] }));
      s.buckets.push(b);
    }
  }
  // An open streak incident whose traffic has gone quiet still needs a series to recover on.
  for (const i of incidents) {
    if (i.status === 'resolved' || !i.agentId || !i.domainId || series.has(`${i.agentId}\u0000${i.domainId}`)) continue;
    const a = telemetry.agent(i.agentId);
    if (a) series.set(`${i.agentId}\u0000${i.domainId}`, { teamId: i.teamId, agentId: i.agentId, domainId: i.domainId, bucketMs: 60_000, coveredUntil: a.coveredUntil, buckets: [] });
  }
  return [...series.values()];
}

function certificates(store: Store): CertificateState[] {
  return store.list('domains').flatMap((d) => (d.tls.notAfter === null ? [] : [{ teamId: d.teamId, domainId: d.id, hostname: d.hostname, notAfter: d.tls.notAfter }]));
}
