// The replicated collections and their document schemas. Everything written through the oplog
// is listed here; a write to any other name is refused (NG_UNKNOWN_COLLECTION).

import type { z } from 'zod';
import { membership, team, user } from './schemas/identity';
import { dnsRecord, domain } from './schemas/domains';
import { proxyConfig } from './schemas/proxy';
import { certificate } from './schemas/certificates';
import { agent, agentToken } from './schemas/agents';
import { alertRule, incident, incidentEvent, notificationChannel } from './schemas/incidents';
import { member, remotePeer, source } from './schemas/cluster';

export const COLLECTIONS = {
  teams: team,
  users: user,
  memberships: membership,
  domains: domain,
  dns_records: dnsRecord,
  proxy_configs: proxyConfig,
  certificates: certificate,
  agents: agent,
  agent_tokens: agentToken,
  incidents: incident,
  incident_events: incidentEvent,
  alert_rules: alertRule,
  notification_channels: notificationChannel,
  _system_remote_peers: remotePeer,
  members: member,
  sources: source,
} as const;

export type CollectionName = keyof typeof COLLECTIONS;
export type DocOf<C extends CollectionName> = z.infer<(typeof COLLECTIONS)[C]>;

export const isCollectionName = (s: string): s is CollectionName => Object.prototype.hasOwnProperty.call(COLLECTIONS, s);

/** Collections whose documents belong to one team (they carry `teamId`). */
export const TEAM_SCOPED: ReadonlySet<CollectionName> = new Set<CollectionName>([
  'domains', 'dns_records', 'proxy_configs', 'certificates', 'agents', 'agent_tokens',
  'incidents', 'incident_events', 'alert_rules', 'notification_channels', 'memberships',
]);
