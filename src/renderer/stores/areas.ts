// The data each screen shows, one store per area, all fetched through the typed API.
import { api, type InputOf, type OutputOf } from '../api';
import { createResource } from './resource';

type TeamParams = { teamId: string };

export const useDomains = createResource(
  async (p: TeamParams & { search?: string }) => (await api.call('domains.list', p)).domains,
  ['domains'],
);

export const useDomain = createResource(async (p: InputOf<'domains.get'>) => (await api.call('domains.get', p)).domain, ['domains']);
export const useDnsRecords = createResource(async (p: InputOf<'dns.list'>) => (await api.call('dns.list', p)).records, ['dns_records']);
export const useProxyConfig = createResource(async (p: InputOf<'proxy.get'>) => (await api.call('proxy.get', p)).config, ['proxy_configs']);

/** The nginx config rendered from the saved proxy config; re-rendered when it or the domain changes. */
export const usePreview = createResource(async (p: InputOf<'proxy.preview'>) => api.call('proxy.preview', p), ['proxy_configs', 'domains']);

export const usePeers = createResource(async (_p: Record<string, never>) => api.call('peers.status', {}), ['members']);
/** Remote peers with the leader's link to each (link states change without a write: the screen also polls). */
export const useRemotePeers = createResource(async (_p: Record<string, never>) => api.call('remotePeers.list', {}), ['_system_remote_peers']);

export const useAgents = createResource(async (p: TeamParams) => (await api.call('agents.list', p)).agents, ['agents']);

export const useIncidents = createResource(async (p: InputOf<'incidents.list'>) => (await api.call('incidents.list', p)).incidents, ['incidents']);
export const useIncident = createResource(async (p: InputOf<'incidents.get'>) => api.call('incidents.get', p), ['incidents', 'incident_events']);

/** Audit pages are fetched with `before` for older ones; the store holds the newest page. */
export const useAudit = createResource(async (p: InputOf<'audit.list'>) => api.call('audit.list', p), [
  'domains', 'dns_records', 'proxy_configs', 'memberships', 'teams', 'users', 'agents', 'incidents', 'certificates',
]);

export const useMembers = createResource(async (p: TeamParams) => (await api.call('members.list', p)).members, ['memberships', 'users']);
export const useUsers = createResource(async (_p: Record<string, never>) => (await api.call('users.list', {})).users, ['users']);
export const useApiTokens = createResource(async (p: TeamParams) => (await api.call('apiTokens.list', p)).tokens, []);

export const useAlertRules = createResource(async (p: TeamParams) => (await api.call('alertRules.list', p)).rules, ['alert_rules']);
export const useChannels = createResource(async (p: TeamParams) => (await api.call('channels.list', p)).channels, ['notification_channels']);

export type DomainView = OutputOf<'domains.get'>['domain'];
export type DnsRecordView = OutputOf<'dns.list'>['records'][number];
export type ProxyConfigView = OutputOf<'proxy.get'>['config'];
export type IncidentView = OutputOf<'incidents.get'>['incident'];
export type AuditEntry = OutputOf<'audit.list'>['entries'][number];
