// Alert rules and their pure evaluation: rules + fleet state + incidents → open/resolve decisions.

export { evaluateAlerts, incidentIdFor } from './evaluate';
export type { AgentHealth, AlertDecision, AlertInputs, CertificateState, KnownIncident, LastApply, OpenDecision, ResolveDecision, TrafficSeries } from './evaluate';
export { freshestHealth } from './freshest-health';
export type { RemoteHealth } from './freshest-health';
export { DEFAULT_PARAMS, defaultRuleId, defaultRules, param } from './rules';
export type { AlertKind, AlertRuleDoc } from './rules';
