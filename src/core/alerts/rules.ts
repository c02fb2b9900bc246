// Alert rules as the evaluator reads them: each kind's parameters with sensible defaults, and the
// default rule set every team has until it writes its own (deterministic ids, so all nodes agree).

import { derivedId } from '../../shared/ids';

export type AlertKind = 'upstream_502_streak' | 'agent_unavailable' | 'nginx_down' | 'apply_failed' | 'certificate_expiring';

export interface AlertRuleDoc {
  id: string;
  teamId: string;
  kind: AlertKind;
  name: string;
  enabled: boolean;
  params: Record<string, number | string | boolean>;
  cooldownS: number;
}

export const DEFAULT_PARAMS: Record<AlertKind, Record<string, number>> = {
  /** A bucket fails with ≥ min502 502s, or ≥ minPercent % 502s once it has ≥ minRequests requests. */
  upstream_502_streak: { min502: 5, minPercent: 20, minRequests: 10, buckets: 3, recoveryBuckets: 2 },
  agent_unavailable: { afterS: 120 },
  nginx_down: { afterS: 30 },
  apply_failed: {},
  certificate_expiring: { days: 14 },
};

const DEFAULT_NAMES: Record<AlertKind, string> = {
  upstream_502_streak: 'Upstream returns 502s',
  agent_unavailable: 'Agent unavailable',
  nginx_down: 'nginx down',
  apply_failed: 'Config apply failed',
  certificate_expiring: 'Certificate expiring',
};

export const defaultRuleId = (teamId: string, kind: AlertKind): string => derivedId('alr', teamId, kind);

export function defaultRules(teamId: string): AlertRuleDoc[] {
  return (Object.keys(DEFAULT_PARAMS) as AlertKind[]).map((kind) => ({
    id: defaultRuleId(teamId, kind), teamId, kind, name: DEFAULT_NAMES[kind], enabled: true, params: { ...DEFAULT_PARAMS[kind] }, cooldownS: 300,
  }));
}

/** A numeric parameter, falling back to the kind's default when missing or not a usable number. */
export function param(rule: AlertRuleDoc, name: string): number {
  const v = rule.params[name];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : DEFAULT_PARAMS[rule.kind][name] ?? 0;
}
