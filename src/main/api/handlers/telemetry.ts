// telemetry.query: a team's traffic per time slot for the charts, from the node-local telemetry
// store (never the oplog), for one domain, one agent, or all of them added together.

import { NgError } from '../../../shared/errors';
import { mergeSeries } from '../../../core/telemetry/series';
import type { Handlers } from '../context';

/** Up to this span, charts use the base buckets (minutes); beyond it, hour roll-ups. */
const BASE_SPAN_MS = 48 * 3_600_000;

export const telemetryHandlers: Handlers<'telemetry.query'> = {
  'telemetry.query': (input, { telemetry }) => {
    if (!telemetry) throw new NgError('NG_UNAVAILABLE', 'this node runs without telemetry storage, so it has no traffic to show');
    const resolution = input.resolution === 'auto' ? (input.to - input.from <= BASE_SPAN_MS ? 'base' : 'rollup') : input.resolution;
    if (resolution === 'rollup') telemetry.rollUp();
    const buckets = telemetry.query({
      teamId: input.teamId, from: input.from, to: input.to, resolution,
      ...(input.domainId !== undefined ? { domainId: input.domainId } : {}),
      ...(input.agentId !== undefined ? { agentId: input.agentId } : {}),
    });
    const agents = telemetry.agents().filter((a) => a.teamId === input.teamId && (input.agentId === undefined || a.agentId === input.agentId));
    return {
      resolution,
      points: mergeSeries(buckets),
      // The least complete agent decides: before that time every agent's slots are final.
      coveredUntil: agents.length ? Math.min(...agents.map((a) => a.coveredUntil)) : null,
    };
  },
};
