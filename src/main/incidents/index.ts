// Incidents on the node: the lifecycle service and the leader-only alert evaluator duty.

export { IncidentService, ALERTS_ACTOR, noticeFor, summarize } from './incident-service';
export type { Incident } from './incident-service';
export { startAlertEvaluator, evaluateOnce } from './alert-evaluator';
export type { AlertEvaluatorOptions } from './alert-evaluator';
