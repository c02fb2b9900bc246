// The parameters each alert rule kind takes, with their meaning and limits: the API checks rule
// edits against this table and the console builds its form from it.

import type { z } from 'zod';
import type { alertRule } from '../schemas/incidents';

export type AlertRuleKind = z.infer<typeof alertRule>['kind'];

export interface AlertParamSpec {
  name: string;
  label: string;
  min: number;
  max: number;
  integer: boolean;
}

export const ALERT_RULE_KINDS: readonly AlertRuleKind[] = ['upstream_502_streak', 'agent_unavailable', 'nginx_down', 'apply_failed', 'certificate_expiring'];

export const ALERT_KIND_LABELS: Record<AlertRuleKind, string> = {
  upstream_502_streak: 'Upstream returns 502s',
  agent_unavailable: 'Agent unavailable',
  nginx_down: 'nginx down',
  apply_failed: 'Config apply failed',
  certificate_expiring: 'Certificate expiring',
};

const p = (name: string, label: string, min: number, max: number, integer = true): AlertParamSpec => ({ name, label, min, max, integer });

export const ALERT_PARAMS: Record<AlertRuleKind, readonly AlertParamSpec[]> = {
  upstream_502_streak: [
    p('min502', '502s per bucket (at least)', 1, 1_000_000),
    p('minPercent', 'or % of requests that are 502', 0, 100, false),
    p('minRequests', 'once a bucket has this many requests', 0, 1_000_000),
    p('buckets', 'for this many consecutive buckets', 1, 60),
    p('recoveryBuckets', 'resolve after this many clean buckets', 1, 60),
  ],
  agent_unavailable: [p('afterS', 'unheard for (seconds)', 10, 7 * 86_400)],
  nginx_down: [p('afterS', 'down for (seconds)', 5, 86_400)],
  apply_failed: [],
  certificate_expiring: [p('days', 'expires within (days)', 1, 365)],
};

/** The first problem with a parameter set, as a field path under `params` and a message; null when fine. */
export function checkAlertParams(kind: AlertRuleKind, params: Record<string, unknown>): { name: string; message: string } | null {
  const specs = ALERT_PARAMS[kind];
  for (const [name, value] of Object.entries(params)) {
    const spec = specs.find((s) => s.name === name);
    if (!spec) return { name, message: `"${name}" is not a parameter of ${kind} rules${specs.length ? ` (use ${specs.map((s) => s.name).join(', ')})` : ''}` };
    if (typeof value !== 'number' || !Number.isFinite(value)) return { name, message: 'must be a number' };
    if (spec.integer && !Number.isInteger(value)) return { name, message: 'must be a whole number' };
    if (value < spec.min || value > spec.max) return { name, message: `must be between ${spec.min} and ${spec.max}` };
  }
  return null;
}
