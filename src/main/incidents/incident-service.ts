// The incident lifecycle over the replicated store: open → acknowledged → resolved, each step a
// timeline entry. Steps the leader takes automatically have derived ids, so two leaders taking
// the same step (a partition, a hand-over mid-streak) write the same records and merge.

import { NgError } from '../../shared/errors';
import { derivedId, randomId } from '../../shared/ids';
import type { OpenDecision } from '../../core/alerts/evaluate';
import type { Store, Stored } from '../db/store';
import type { IncidentSummary, Notice, NoticeEvent } from '../notify/webhook-payload';

export type Incident = Stored<'incidents'>;

/** The system actor recorded for what the alert evaluator does. */
export const ALERTS_ACTOR = 'system';

export const summarize = (i: Incident): IncidentSummary => ({
  id: i.id, teamId: i.teamId, kind: i.kind, status: i.status, title: i.title, agentId: i.agentId, domainId: i.domainId, openedAt: i.openedAt, resolvedAt: i.resolvedAt,
});

export function noticeFor(event: NoticeEvent, i: Incident, at: number): Notice {
  const word = event === 'incident.opened' ? 'Opened' : event === 'incident.resolved' ? 'Resolved' : 'Acknowledged';
  return { event, teamId: i.teamId, at, incident: summarize(i), text: `${word}: ${i.title}` };
}

export class IncidentService {
  constructor(private readonly store: Store) {}

  /** Opens the incident a decision names, unless it exists already (then `created` is false). */
  open(d: OpenDecision, at: number): { incident: Incident; created: boolean } {
    return this.store.transaction(() => {
      const held = this.store.get('incidents', d.incidentId);
      if (held) return { incident: held, created: false };
      const incident = this.store.write('incidents', d.incidentId, {
        teamId: d.teamId, ruleId: d.ruleId, kind: d.kind, status: 'open', title: d.title.slice(0, 300), domainId: d.domainId, agentId: d.agentId,
        openedAt: at, acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null,
      }, { actor: ALERTS_ACTOR, expectedVersion: null });
      this.store.write('incident_events', derivedId('ine', d.incidentId, 'opened'), {
        teamId: d.teamId, incidentId: d.incidentId, at, kind: 'opened', message: d.detail.slice(0, 2000), actor: null,
        data: { agentId: d.agentId, domainId: d.domainId, since: d.since, configVersion: d.configVersion, lastApply: d.lastApply },
      }, { actor: ALERTS_ACTOR, expectedVersion: null });
      return { incident, created: true };
    });
  }

  acknowledge(teamId: string, incidentId: string, actor: string, at: number, note = ''): Incident {
    return this.store.transaction(() => {
      const inc = this.owned(teamId, incidentId);
      if (inc.status === 'resolved') throw new NgError('NG_CONFLICT', `incident ${incidentId} is already resolved`, { path: ['incidentId'] });
      if (inc.status === 'acknowledged') return inc;
      const next = this.store.write('incidents', inc.id, { status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: actor }, { actor, expectedVersion: inc.version });
      this.store.write('incident_events', randomId('ine_').slice(0, 28), { teamId, incidentId, at, kind: 'acknowledged', message: note, actor, data: {} }, { actor, expectedVersion: null });
      return next;
    });
  }

  /**
   * Resolves by hand (`actor` a user id) or automatically on recovery (`actor` null). Returns
   * null when it was resolved already: the caller then has nothing to announce.
   */
  resolve(teamId: string, incidentId: string, actor: string | null, at: number, note = ''): Incident | null {
    return this.store.transaction(() => {
      const inc = this.owned(teamId, incidentId);
      if (inc.status === 'resolved') {
        if (actor !== null) throw new NgError('NG_CONFLICT', `incident ${incidentId} is already resolved`, { path: ['incidentId'] });
        return null;
      }
      const writer = actor ?? ALERTS_ACTOR;
      const next = this.store.write('incidents', inc.id, { status: 'resolved', resolvedAt: at, resolvedBy: actor }, { actor: writer, expectedVersion: inc.version });
      const eventId = actor === null ? derivedId('ine', incidentId, 'recovered') : randomId('ine_').slice(0, 28);
      this.store.write('incident_events', eventId, { teamId, incidentId, at, kind: actor === null ? 'recovered' : 'resolved', message: note, actor, data: {} }, { actor: writer, expectedVersion: null });
      return next;
    });
  }

  /** Timeline entries of one incident, oldest first. */
  timeline(teamId: string, incidentId: string): Stored<'incident_events'>[] {
    return this.store.list('incident_events', { team: teamId })
      .filter((e) => e.incidentId === incidentId)
      .sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
  }

  private owned(teamId: string, incidentId: string): Incident {
    const inc = this.store.get('incidents', incidentId);
    if (!inc || inc.teamId !== teamId) throw new NgError('NG_NOT_FOUND', `incident ${incidentId} does not exist`, { path: ['incidentId'] });
    return inc;
  }
}
