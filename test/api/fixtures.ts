// A populated instance for API tests: an owner, an "own" team with an admin, an operator and a
// viewer, a "foreign" team, API tokens, and documents in both teams.

import { domainId, membershipId, randomId, userIdForEmail } from '../../src/shared/ids';
import { Client, type TestNode } from './harness';

export const PASSWORD = 'correct horse battery';

export interface World {
  own: string;
  foreign: string;
  clients: Record<'owner' | 'admin' | 'operator' | 'viewer' | 'readToken' | 'writeToken' | 'anonymous', Client>;
  /** A domain with a DNS record and an incident in each team. */
  docs: Record<string, { domainId: string; recordId: string; incidentId: string }>;
}

let n = 0;
export const unique = (prefix: string): string => `${prefix}${Date.now().toString(36)}${(n++).toString(36)}`;

export async function buildWorld(node: TestNode): Promise<World> {
  const owner = new Client(node.url);
  const setup = await owner.ok('auth.setup', { email: 'owner@example.com', displayName: 'Owner', password: PASSWORD, teamName: 'Own' });
  const own = setup.team.id as string;
  const foreign = (await owner.ok('teams.create', { name: 'Foreign' })).team.id as string;
  const clients: Partial<World['clients']> = { owner, anonymous: new Client(node.url) };
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    await owner.ok('users.create', { teamId: own, email: `${role}@example.com`, displayName: role, password: PASSWORD, role });
    const c = new Client(node.url);
    await c.ok('auth.login', { email: `${role}@example.com`, password: PASSWORD });
    clients[role] = c;
  }
  await owner.ok('users.create', { teamId: foreign, email: 'stranger@example.com', displayName: 'Stranger', password: PASSWORD, role: 'admin' });
  for (const scope of ['read', 'write'] as const) {
    const t = await clients.admin!.ok('apiTokens.create', { teamId: own, name: `${scope} bot`, scope });
    clients[scope === 'read' ? 'readToken' : 'writeToken'] = new Client(node.url, { bearer: t.token });
  }
  const docs: World['docs'] = {};
  for (const team of [own, foreign]) docs[team] = seedDomain(node, team, unique('seed-'));
  return { own, foreign, clients: clients as World['clients'], docs };
}

/** A domain with one A record and one open incident, written straight into the store. */
export function seedDomain(node: TestNode, teamId: string, label: string): { domainId: string; recordId: string; incidentId: string } {
  const hostname = `${label}.example.com`;
  const id = domainId(teamId, hostname);
  const actor = 'fixture';
  node.store.write('domains', id, { teamId, hostname, tls: { status: 'Pending', certificateId: null, notAfter: null }, wafEnabled: false, targetLabels: [], createdAt: 1 }, { actor });
  const recordId = randomId('dns_').slice(0, 28);
  node.store.write('dns_records', recordId, { teamId, domainId: id, type: 'A', name: 'www', value: '192.0.2.1', ttl: 300, priority: null }, { actor });
  const incidentId = randomId('inc_').slice(0, 28);
  node.store.write('incidents', incidentId, {
    teamId, ruleId: null, kind: 'upstream_502_streak', status: 'open', title: `502s on ${hostname}`, domainId: id, agentId: null,
    openedAt: 1, acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null,
  }, { actor });
  return { domainId: id, recordId, incidentId };
}

export function seedMember(node: TestNode, teamId: string): string {
  const email = `${unique('m')}@example.com`;
  const userId = userIdForEmail(email);
  node.store.write('users', userId, { email, displayName: 'member', passwordHash: 'scrypt$16384$8$1$AA==$AA==', owner: false, disabled: false, createdAt: 1 }, { actor: 'fixture' });
  node.store.write('memberships', membershipId(userId, teamId), { userId, teamId, role: 'viewer' }, { actor: 'fixture' });
  return userId;
}
