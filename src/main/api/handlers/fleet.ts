// Incidents as the store holds them (which may honestly be nothing);
// incident steps go through the incident lifecycle service, as the alert evaluator's do.

import { NgError } from '../../../shared/errors';
import type { Store, Stored } from '../../db/store';
import { IncidentService, noticeFor, type Incident } from '../../incidents/incident-service';
import type { NoticeEvent } from '../../notify/webhook-payload';
import type { HandlerContext, Handlers } from '../context';
import { ownedDoc } from '../views';

const incidentView = (i: Stored<'incidents'>) => ({
  id: i.id, version: i.version, teamId: i.teamId, ruleId: i.ruleId, kind: i.kind, status: i.status, title: i.title, domainId: i.domainId, agentId: i.agentId,
  openedAt: i.openedAt, acknowledgedAt: i.acknowledgedAt, acknowledgedBy: i.acknowledgedBy, resolvedAt: i.resolvedAt, resolvedBy: i.resolvedBy,
});

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The incident's agent, domain, config version and last apply, from the incident and its opening entry. */
function contextOf(store: Store, inc: Incident, timeline: readonly Stored<'incident_events'>[]) {
  const data = timeline.find((e) => e.kind === 'opened')?.data ?? {};
  const agentId = inc.agentId ?? str(data['agentId']);
  const domainId = inc.domainId ?? str(data['domainId']);
  const agent = agentId ? store.get('agents', agentId) : undefined;
  const domain = domainId ? store.get('domains', domainId) : undefined;
  const apply = typeof data['lastApply'] === 'object' && data['lastApply'] !== null ? (data['lastApply'] as Record<string, unknown>) : null;
  return {
    agent: agentId ? { id: agentId, name: agent && agent.teamId === inc.teamId ? agent.name : null } : null,
    domain: domainId ? { id: domainId, hostname: domain && domain.teamId === inc.teamId ? domain.hostname : null } : null,
    configVersion: num(data['configVersion']),
    lastApply: apply && num(apply['version']) !== null && num(apply['at']) !== null
      ? { version: num(apply['version'])!, ok: apply['ok'] === true, at: num(apply['at'])!, code: str(apply['code']), message: str(apply['message']), domainId: str(apply['domainId']) }
      : null,
  };
}

/** Tells the team's channels about a step taken by hand; delivery runs on after the answer. */
function announce(ctx: HandlerContext, event: NoticeEvent, inc: Incident): void {
  const n = ctx.notifications;
  if (!n) return;
  n.dispatcher.notify(noticeFor(event, inc, ctx.now())).catch((e: unknown) => n.logger?.error({ err: e, incidentId: inc.id, event }, 'incident notification failed'));
}

export const fleetHandlers: Handlers<'incidents.list' | 'incidents.get' | 'incidents.acknowledge' | 'incidents.resolve'> = {
  'incidents.list': (input, { store }) => ({
    incidents: store.list('incidents', { team: input.teamId })
      .filter((i) => i.teamId === input.teamId && (input.status === undefined || i.status === input.status) && (input.kind === undefined || i.kind === input.kind)
        && (input.domainId === undefined || i.domainId === input.domainId) && (input.agentId === undefined || i.agentId === input.agentId))
      .sort((a, b) => b.openedAt - a.openedAt)
      .map(incidentView),
  }),

  'incidents.get': (input, { store }) => {
    const inc = ownedDoc(store, 'incidents', input.incidentId, input.teamId, 'incident');
    const timeline = new IncidentService(store).timeline(input.teamId, inc.id);
    return {
      incident: incidentView(inc),
      timeline: timeline.map((e) => ({ id: e.id, incidentId: e.incidentId, at: e.at, kind: e.kind, message: e.message, actor: e.actor })),
      context: contextOf(store, inc, timeline),
    };
  },

  'incidents.acknowledge': (input, ctx) => {
    const service = new IncidentService(ctx.store);
    const before = ownedDoc(ctx.store, 'incidents', input.incidentId, input.teamId, 'incident');
    const inc = service.acknowledge(input.teamId, input.incidentId, ctx.actor, ctx.now(), input.note ?? '');
    if (before.status !== inc.status) announce(ctx, 'incident.acknowledged', inc);
    return { incident: incidentView(inc) };
  },

  'incidents.resolve': (input, ctx) => {
    const inc = new IncidentService(ctx.store).resolve(input.teamId, input.incidentId, ctx.actor, ctx.now(), input.note ?? '');
    if (!inc) throw new NgError('NG_CONFLICT', `incident ${input.incidentId} is already resolved`, { path: ['incidentId'] });
    announce(ctx, 'incident.resolved', inc);
    return { incident: incidentView(inc) };
  },
};
