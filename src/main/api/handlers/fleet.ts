// Read views for screens whose back ends arrive later (cluster, agents, incidents, remote peers):
// they show what the store holds today, which may honestly be nothing.

import { NgError } from '../../../shared/errors';
import { randomId } from '../../../shared/ids';
import type { Store, Stored } from '../../db/store';
import type { Handlers } from '../context';
import { ownedDoc } from '../views';

const incidentView = (i: Stored<'incidents'>) => ({
  id: i.id, version: i.version, teamId: i.teamId, ruleId: i.ruleId, kind: i.kind, status: i.status, title: i.title, domainId: i.domainId, agentId: i.agentId,
  openedAt: i.openedAt, acknowledgedAt: i.acknowledgedAt, acknowledgedBy: i.acknowledgedBy, resolvedAt: i.resolvedAt, resolvedBy: i.resolvedBy,
});

function timeline(store: Store, teamId: string, incidentId: string) {
  return store.list('incident_events', { team: teamId })
    .filter((e) => e.incidentId === incidentId && e.teamId === teamId)
    .sort((a, b) => a.at - b.at || a.id.localeCompare(b.id))
    .map((e) => ({ id: e.id, incidentId: e.incidentId, at: e.at, kind: e.kind, message: e.message, actor: e.actor }));
}

/** Moves an incident along open → acknowledged → resolved and appends the step to its timeline. */
function transition(store: Store, input: { teamId: string; incidentId: string; note?: string | undefined }, actor: string, at: number, to: 'acknowledged' | 'resolved') {
  return store.transaction(() => {
    const inc = ownedDoc(store, 'incidents', input.incidentId, input.teamId, 'incident');
    if (inc.status === 'resolved') throw new NgError('NG_CONFLICT', 'the incident is already resolved', { path: ['incidentId'] });
    if (inc.status === to) return inc;
    const set = to === 'acknowledged' ? { status: to, acknowledgedAt: at, acknowledgedBy: actor } : { status: to, resolvedAt: at, resolvedBy: actor };
    const next = store.write('incidents', inc.id, set, { actor, expectedVersion: inc.version });
    store.write('incident_events', randomId('ine_').slice(0, 28), { teamId: input.teamId, incidentId: inc.id, at, kind: to, message: input.note ?? '', actor, data: {} }, { actor, expectedVersion: null });
    return next;
  });
}

export const fleetHandlers: Handlers<'peers.status' | 'agents.list' | 'incidents.list' | 'incidents.get' | 'incidents.acknowledge' | 'incidents.resolve' | 'remotePeers.list'> = {
  'peers.status': (_input, { store }) => ({
    nodeId: store.nodeId,
    members: store.list('members').map(({ nodeId, name, certFingerprint, priority, address, removed, joinedAt }) => ({ nodeId, name, certFingerprint, priority, address, removed, joinedAt })),
    leader: null,
  }),

  'agents.list': (input, { store }) => ({
    agents: store.list('agents', { team: input.teamId }).filter((a) => a.teamId === input.teamId)
      .map((a) => ({ id: a.id, version: a.version, teamId: a.teamId, name: a.name, labels: a.labels, revoked: a.revoked, createdAt: a.createdAt })),
  }),

  'incidents.list': (input, { store }) => ({
    incidents: store.list('incidents', { team: input.teamId })
      .filter((i) => i.teamId === input.teamId && (input.status === undefined || i.status === input.status))
      .sort((a, b) => b.openedAt - a.openedAt)
      .map(incidentView),
  }),

  'incidents.get': (input, { store }) => {
    const inc = ownedDoc(store, 'incidents', input.incidentId, input.teamId, 'incident');
    return { incident: incidentView(inc), timeline: timeline(store, input.teamId, inc.id) };
  },

  'incidents.acknowledge': (input, { store, actor, now }) => ({ incident: incidentView(transition(store, input, actor, now(), 'acknowledged')) }),
  'incidents.resolve': (input, { store, actor, now }) => ({ incident: incidentView(transition(store, input, actor, now(), 'resolved')) }),

  'remotePeers.list': (_input, { store }) => ({
    peers: store.list('_system_remote_peers').map((p) => ({
      id: p.id, nodeId: p.nodeId, address: p.address, type: p.type, authority: p.oauth2.authority, clientId: p.oauth2.clientId, scopes: p.oauth2.scopes, enabled: p.enabled,
    })),
  }),
};
