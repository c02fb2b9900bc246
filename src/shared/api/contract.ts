// The one API contract between the UI (or a script) and a node: every procedure with its input
// and output schema, its access rule and whether it changes state. Both transports (Electron IPC
// and HTTP) and the OpenAPI document are derived from this table; docs/API.md describes it.

import { z } from 'zod';
import { hostname, id, labels, role, teamId } from '../schemas/common';
import { dnsType, tlsStatus } from '../schemas/domains';
import { alertRule, incidentStatus } from '../schemas/incidents';
import type { Access, Effect } from './roles';
import { tokenScope } from './roles';
import {
  alertRuleView, deliveryAttemptView, deliveryResultView, incidentContextView, notificationChannelView, trafficPointView,
} from './views';
import {
  agentView, apiTokenView, auditEntryView, clusterMemberView, dnsRecordView, domainView, incidentEventView,
  incidentView, memberView, proxyConfigView, proxySettings, remotePeerView, teamView, userView,
} from './views';

export interface ProcedureDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  access: Access;
  effect: Effect;
  summary: string;
}

const def = <I extends z.ZodType, O extends z.ZodType>(d: ProcedureDef<I, O>): ProcedureDef<I, O> => d;

const email = z.string().trim().toLowerCase().email('must be an e-mail address').max(254);
const password = z.string().min(10, 'must be at least 10 characters').max(200);
const displayName = z.string().trim().min(1).max(80);
/** The version a form was opened at; null means "this must not exist yet". */
const expectedVersion = z.string().min(1).max(64).nullable();
const inTeam = { teamId };
const inDomain = { teamId, domainId: id };
const okOutput = z.object({ ok: z.literal(true) });
const epochMs = z.number().int().min(0).max(8_640_000_000_000_000);
/** Where a webhook goes: http or https only. */
const webhookUrl = z.string().trim().max(2048).url('must be a URL').refine((u) => /^https?:\/\//i.test(u), 'must start with http:// or https://');
/** A peer-link address: wss://host:port. */
const peerAddress = z.string().trim().max(300).regex(/^wss:\/\/[^\s/?#]+:\d{1,5}\/?$/, 'must look like wss://host:port');
const clusterNodeId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a node id');
/** A remote peer with its pinned certificate and the leader's link to it. */
const remotePeerStatusView = remotePeerView.extend({
  certFingerprint: z.string().nullable(),
  link: z.object({
    /** linked / connecting / failing (lastError) while this node leads; idle when another node leads; disabled. */
    state: z.enum(['linked', 'connecting', 'failing', 'idle', 'disabled']),
    since: z.number().nullable(),
    lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  }),
});
/** A stored certificate as the API shows it: everything but the private key. */
const certificateView = z.object({
  id: z.string(), teamId: z.string(), names: z.array(z.string()), notAfter: z.number(),
  /** SHA-256 of the leaf certificate (DER), lower-case hex. */
  fingerprint: z.string(),
  domainIds: z.array(z.string()),
  version: z.string(),
});
const clusterMemberStatusView = clusterMemberView.extend({
  /** This node's own record. */
  self: z.boolean(),
  connected: z.boolean(),
  lastSeen: z.number().nullable(),
  lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Ops from this peer refused because their clock ran too far ahead (HLC skew guard). */
  skewRejections: z.number(),
  clockOffsetMs: z.number().nullable(),
});
const discoveredNodeView = z.object({
  nodeId: z.string(), addresses: z.array(z.string()), port: z.number(), fingerprint: z.string(),
  /** It advertises the same cluster id hash as this node. */
  sameCluster: z.boolean(),
  lastSeen: z.number(),
  state: z.enum(['discovered', 'pending', 'member']),
});

const meOutput = z.object({
  user: userView,
  memberships: z.array(z.object({ teamId: z.string(), teamName: z.string(), role })),
  /** How this call was authenticated. */
  via: z.enum(['session', 'token']),
  /** Set when `via` is token: what the token may do. */
  token: z.object({ id: z.string(), scope: tokenScope, teamId: z.string() }).nullable(),
});

export const procedures = {
  // ---------------------------------------------------------------- auth
  'auth.status': def({
    summary: 'Whether first-run setup is still needed, and this node id.',
    access: { kind: 'public' }, effect: 'read',
    input: z.strictObject({}),
    output: z.object({ setupRequired: z.boolean(), nodeId: z.string() }),
  }),
  'auth.setup': def({
    summary: 'First run only (no users yet): create the instance owner and the first team, and sign in.',
    access: { kind: 'public' }, effect: 'write',
    input: z.strictObject({ email, displayName, password, teamName: z.string().trim().min(1).max(80) }),
    output: z.object({ user: userView, team: teamView }),
  }),
  'auth.login': def({
    summary: 'Sign in with e-mail and password; starts a session (HTTP: the ng_session cookie).',
    access: { kind: 'public' }, effect: 'write',
    input: z.strictObject({ email, password: z.string().min(1).max(200) }),
    output: z.object({ user: userView }),
  }),
  'auth.logout': def({
    summary: 'End the current session.',
    access: { kind: 'authenticated' }, effect: 'write',
    input: z.strictObject({}),
    output: okOutput,
  }),
  'auth.me': def({
    summary: 'The signed-in user and their teams and roles.',
    access: { kind: 'authenticated' }, effect: 'read',
    input: z.strictObject({}),
    output: meOutput,
  }),

  // ---------------------------------------------------------------- teams, members, users
  'teams.list': def({
    summary: 'Teams the caller belongs to (the instance owner sees all).',
    access: { kind: 'authenticated' }, effect: 'read',
    input: z.strictObject({}),
    output: z.object({ teams: z.array(teamView.extend({ role: role.nullable() })) }),
  }),
  'teams.create': def({
    summary: 'Create a team; the creator becomes its admin.',
    access: { kind: 'owner' }, effect: 'write',
    input: z.strictObject({ name: z.string().trim().min(1).max(80) }),
    output: z.object({ team: teamView }),
  }),
  'members.list': def({
    summary: 'Members of a team with their roles.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inTeam }),
    output: z.object({ members: z.array(memberView) }),
  }),
  'members.set': def({
    summary: 'Add an existing user to the team, or change their role.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, email, role }),
    output: z.object({ member: memberView }),
  }),
  'members.remove': def({
    summary: 'Remove a user from the team.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, userId: id }),
    output: okOutput,
  }),
  'users.list': def({
    summary: 'Every user of this instance.',
    access: { kind: 'owner' }, effect: 'read',
    input: z.strictObject({}),
    output: z.object({ users: z.array(userView) }),
  }),
  'users.create': def({
    summary: 'Create a user with a password and make them a member of the team.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, email, displayName, password, role }),
    output: z.object({ user: userView, member: memberView }),
  }),

  // ---------------------------------------------------------------- domains
  'domains.list': def({
    summary: 'Domains of a team, optionally filtered by a search on the hostname.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inTeam, search: z.string().trim().max(253).optional() }),
    output: z.object({ domains: z.array(domainView) }),
  }),
  'domains.get': def({
    summary: 'One domain.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inDomain }),
    output: z.object({ domain: domainView }),
  }),
  'domains.create': def({
    summary: 'Add a domain (Unicode names are stored as punycode). TLS starts Pending.',
    access: { kind: 'team', minRole: 'operator' }, effect: 'write',
    input: z.strictObject({ ...inTeam, hostname, wafEnabled: z.boolean().default(false), targetLabels: labels.default([]) }),
    output: z.object({ domain: domainView }),
  }),
  'domains.update': def({
    summary: 'Change WAF or target labels; refused with NG_CONFLICT if the domain changed since expectedVersion.',
    access: { kind: 'team', minRole: 'operator' }, effect: 'write',
    input: z.strictObject({ ...inDomain, expectedVersion: z.string().min(1).max(64), wafEnabled: z.boolean().optional(), targetLabels: labels.optional() }),
    output: z.object({ domain: domainView }),
  }),
  'domains.delete': def({
    summary: 'Delete a domain with its DNS records and proxy config.',
    access: { kind: 'team', minRole: 'operator' }, effect: 'write',
    input: z.strictObject({ ...inDomain, expectedVersion: z.string().min(1).max(64).optional() }),
    output: okOutput,
  }),

  // ---------------------------------------------------------------- DNS
  'dns.list': def({
    summary: 'DNS records of a domain.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inDomain }),
    output: z.object({ records: z.array(dnsRecordView) }),
  }),
  'dns.upsert': def({
    summary: 'Create (no recordId) or update a DNS record, validated per type, with CNAME exclusivity.',
    access: { kind: 'team', minRole: 'operator' }, effect: 'write',
    input: z.strictObject({
      ...inDomain,
      recordId: id.optional(),
      expectedVersion: expectedVersion.optional(),
      type: dnsType,
      name: z.string().trim().min(1).max(253),
      value: z.string().min(1).max(4000),
      ttl: z.number().int().min(30).max(604_800).default(3600),
      priority: z.number().int().min(0).max(65_535).nullable().default(null),
    }),
    output: z.object({ record: dnsRecordView }),
  }),
  'dns.delete': def({
    summary: 'Delete a DNS record.',
    access: { kind: 'team', minRole: 'operator' }, effect: 'write',
    input: z.strictObject({ ...inDomain, recordId: id, expectedVersion: z.string().min(1).max(64).optional() }),
    output: okOutput,
  }),
  'dns.exportZone': def({
    summary: 'The domain as a BIND zone file (named-checkzone clean), with a synthesized SOA and NS.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({
      ...inDomain,
      /** Authoritative name servers for the apex NS records; default ns1.<domain>. */
      nameServers: z.array(hostname).min(1).max(13).optional(),
    }),
    output: z.object({ filename: z.string(), zone: z.string() }),
  }),

  // ---------------------------------------------------------------- certificates (the private key is sealed and never returned)
  'certificates.list': def({
    summary: 'TLS certificates of a team: names, expiry, fingerprint and the domains using each (never the private key).',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inTeam }),
    output: z.object({ certificates: z.array(certificateView) }),
  }),
  'certificates.upload': def({
    summary: 'Store a certificate chain and its private key (sealed at rest) and attach it to the given domains, or to every domain of the team it covers.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({
      ...inTeam,
      chainPem: z.string().min(1).max(65_536),
      keyPem: z.string().min(1).max(65_536),
      domainIds: z.array(id).max(100).optional(),
    }),
    output: z.object({ certificate: certificateView }),
  }),
  'certificates.delete': def({
    summary: 'Delete a certificate (and its sealed key); the domains using it go back to TLS Pending.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, certificateId: id }),
    output: okOutput,
  }),

  // ---------------------------------------------------------------- proxy
  'proxy.get': def({
    summary: 'The reverse-proxy config of a domain (defaults with version null if never saved).',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inDomain }),
    output: z.object({ config: proxyConfigView }),
  }),
  'proxy.update': def({
    summary: 'Replace the proxy config; refused if it cannot be rendered safely, or (NG_CONFLICT) if it changed since expectedVersion.',
    access: { kind: 'team', minRole: 'operator' }, effect: 'write',
    input: z.strictObject({ ...inDomain, expectedVersion, settings: proxySettings }),
    output: z.object({ config: proxyConfigView }),
  }),
  'proxy.preview': def({
    summary: 'The nginx config the agents would write for this domain: the saved config, or the draft `settings` given.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inDomain, settings: proxySettings.optional() }),
    output: z.object({
      ok: z.boolean(),
      path: z.string().nullable(),
      text: z.string().nullable(),
      errors: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })),
    }),
  }),

  // ---------------------------------------------------------------- audit, tokens
  'audit.list': def({
    summary: 'Changes, newest first: who, what, when, before/after. Without teamId: every change (instance owner only).',
    access: { kind: 'team', minRole: 'viewer', ownerWithoutTeam: true }, effect: 'read',
    input: z.strictObject({ teamId: teamId.optional(), before: z.string().max(80).optional(), limit: z.number().int().min(1).max(500).default(100) }),
    output: z.object({ entries: z.array(auditEntryView), nextBefore: z.string().nullable() }),
  }),
  'apiTokens.list': def({
    summary: 'API tokens of a team (never the secrets).',
    access: { kind: 'team', minRole: 'admin' }, effect: 'read',
    input: z.strictObject({ ...inTeam }),
    output: z.object({ tokens: z.array(apiTokenView) }),
  }),
  'apiTokens.create': def({
    summary: 'Create a token bound to this team with scope read or write; the secret is in this response only.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, name: z.string().trim().min(1).max(80), scope: tokenScope, expiresInDays: z.number().int().min(1).max(365).default(90) }),
    output: z.object({ token: z.string(), info: apiTokenView }),
  }),
  'apiTokens.revoke': def({
    summary: 'Revoke a token at once.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, tokenId: id }),
    output: okOutput,
  }),

  // ---------------------------------------------------------------- fleet, incidents, cluster
  'peers.status': def({
    summary: 'This node, the election (leader, term, since when), the cluster members with their links, and nodes found by mDNS.',
    access: { kind: 'authenticated' }, effect: 'read',
    input: z.strictObject({}),
    output: z.object({
      nodeId: z.string(),
      members: z.array(clusterMemberStatusView),
      leader: z.object({ nodeId: z.string(), term: z.number(), since: z.number().nullable() }).nullable(),
      self: z.object({ nodeId: z.string(), name: z.string(), fingerprint: z.string(), peerAddress: z.string().nullable(), inCluster: z.boolean() }),
      election: z.object({ role: z.enum(['follower', 'candidate', 'leader', 'stopped']), term: z.number(), leaderId: z.string().nullable(), since: z.number().nullable() }),
      discovered: z.array(discoveredNodeView),
      /** Hash of the replicated state: equal on members that have converged. */
      stateHash: z.string(),
    }),
  }),
  'cluster.create': def({
    summary: 'Make this node the first member of a new cluster. The join code (the cluster key) is in this response only.',
    access: { kind: 'owner' }, effect: 'write',
    input: z.strictObject({}),
    output: z.object({ clusterId: z.string(), joinCode: z.string() }),
  }),
  'cluster.join': def({
    summary: 'Join the cluster of the node at `address` (wss://host:port) with the join code its creator was shown.',
    access: { kind: 'owner' }, effect: 'write',
    input: z.strictObject({ address: peerAddress, joinCode: z.string().trim().min(10).max(200) }),
    output: z.object({ clusterId: z.string(), peer: z.object({ nodeId: z.string(), name: z.string().nullable(), address: z.string().nullable() }) }),
  }),
  'cluster.connect': def({
    summary: 'Add a peer by address (when mDNS cannot see it); the link proves the cluster key before anything is replicated.',
    access: { kind: 'owner' }, effect: 'write',
    input: z.strictObject({ address: peerAddress }),
    output: okOutput,
  }),
  'cluster.removeMember': def({
    summary: 'Remove a member: it is disconnected everywhere and the cluster key is rotated so its old key opens nothing.',
    access: { kind: 'owner' }, effect: 'write',
    input: z.strictObject({ nodeId: clusterNodeId }),
    output: okOutput,
  }),
  'cluster.setPriority': def({
    summary: 'Set a member\'s election priority (0..1000, higher leads); without nodeId, this node\'s.',
    access: { kind: 'owner' }, effect: 'write',
    input: z.strictObject({ nodeId: clusterNodeId.optional(), priority: z.number().int().min(0).max(1000) }),
    output: okOutput,
  }),
  'agents.list': def({
    summary: 'Edge agents of a team.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inTeam }),
    output: z.object({ agents: z.array(agentView) }),
  }),
  'incidents.list': def({
    summary: 'Incidents of a team, newest first, optionally filtered by status, kind, domain and agent.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({
      ...inTeam, status: incidentStatus.optional(), kind: z.string().min(1).max(64).optional(), domainId: id.optional(), agentId: id.optional(),
    }),
    output: z.object({ incidents: z.array(incidentView) }),
  }),
  'incidents.get': def({
    summary: 'One incident, its timeline (oldest first) and what it is about: agent, domain, config version, last apply.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inTeam, incidentId: id }),
    output: z.object({ incident: incidentView, timeline: z.array(incidentEventView), context: incidentContextView }),
  }),
  'incidents.acknowledge': def({
    summary: 'Mark an open incident acknowledged.',
    access: { kind: 'team', minRole: 'operator' }, effect: 'write',
    input: z.strictObject({ ...inTeam, incidentId: id, note: z.string().max(2000).optional() }),
    output: z.object({ incident: incidentView }),
  }),
  'incidents.resolve': def({
    summary: 'Mark an incident resolved.',
    access: { kind: 'team', minRole: 'operator' }, effect: 'write',
    input: z.strictObject({ ...inTeam, incidentId: id, note: z.string().max(2000).optional() }),
    output: z.object({ incident: incidentView }),
  }),

  // ---------------------------------------------------------------- remote peers (docs/remote-peers.md)
  'remotePeers.list': def({
    summary: 'Remote peers beyond the LAN with the state of the leader\'s link to each (client secrets never shown).',
    access: { kind: 'owner' }, effect: 'read',
    input: z.strictObject({}),
    output: z.object({
      /** Whether this node leads (only the leader links, so only it knows live link states). */
      thisNodeLeads: z.boolean(),
      peers: z.array(remotePeerStatusView),
    }),
  }),
  'remotePeers.add': def({
    summary: 'Add a remote peer the leader links to with OAuth2 client credentials; the secret is sealed and never returned.',
    access: { kind: 'owner' }, effect: 'write',
    input: z.strictObject({
      nodeId: clusterNodeId,
      address: z.string().url().max(2048),
      type: z.enum(['cloud', 'remote']).default('cloud'),
      authority: z.string().url().max(2048),
      clientId: z.string().min(1).max(256),
      clientSecret: z.string().min(1).max(4096),
      scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/, 'a scope has no spaces or quotes')).max(32),
      enabled: z.boolean().default(true),
    }),
    output: z.object({ peer: remotePeerView }),
  }),
  'remotePeers.setEnabled': def({
    summary: 'Enable or disable a remote peer; a disabled peer is disconnected by the leader within 2 s.',
    access: { kind: 'owner' }, effect: 'write',
    input: z.strictObject({ nodeId: clusterNodeId, enabled: z.boolean() }),
    output: z.object({ peer: remotePeerView }),
  }),
  'remotePeers.remove': def({
    summary: 'Remove a remote peer (and its sealed secret); the leader disconnects it at once.',
    access: { kind: 'owner' }, effect: 'write',
    input: z.strictObject({ nodeId: clusterNodeId }),
    output: okOutput,
  }),

  // ---------------------------------------------------------------- telemetry, alert rules, notifications
  'telemetry.query': def({
    summary: 'Traffic of a team per time slot (requests by status class, 502s, bytes, latency p50/p95/p99), for one domain and/or one agent or all.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({
      ...inTeam, domainId: id.optional(), agentId: id.optional(), from: epochMs, to: epochMs,
      /** base: buckets as the agents sent them (minutes); rollup: hours; auto: base up to 48 h, else rollup. */
      resolution: z.enum(['auto', 'base', 'rollup']).default('auto'),
    }).refine((q) => q.to > q.from, { path: ['to'], message: 'must be after from' })
      .refine((q) => q.to - q.from <= 400 * 86_400_000, { path: ['from'], message: 'the range may span at most 400 days' }),
    output: z.object({
      resolution: z.enum(['base', 'rollup']),
      points: z.array(trafficPointView),
      /** Until when every matching agent has reported (null: no agent has reported telemetry yet). */
      coveredUntil: z.number().nullable(),
    }),
  }),
  'alertRules.list': def({
    summary: 'The team\'s alert rules: one per kind at least; a kind the team never edited shows its default.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inTeam }),
    output: z.object({ rules: z.array(alertRuleView) }),
  }),
  'alertRules.upsert': def({
    summary: 'Create (no ruleId) or change an alert rule; editing a default stores it under the default\'s id.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({
      ...inTeam, ruleId: id.optional(), expectedVersion: expectedVersion.optional(), kind: alertRule.shape.kind,
      name: z.string().trim().min(1).max(120), enabled: z.boolean(), params: z.record(z.string().max(64), z.number()).default({}),
      cooldownS: z.number().int().min(0).max(86_400),
    }),
    output: z.object({ rule: alertRuleView }),
  }),
  'alertRules.delete': def({
    summary: 'Delete a stored rule; when it was the last of its kind, the kind\'s default applies again.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, ruleId: id }),
    output: okOutput,
  }),
  'channels.list': def({
    summary: 'Notification channels of the team (webhook secrets never shown).',
    access: { kind: 'team', minRole: 'admin' }, effect: 'read',
    input: z.strictObject({ ...inTeam }),
    output: z.object({ channels: z.array(notificationChannelView) }),
  }),
  'channels.create': def({
    summary: 'Add a webhook (http/https URL; a signing secret is generated and shown in this response only) or a desktop channel.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, kind: z.enum(['webhook', 'desktop']), name: z.string().trim().min(1).max(120), url: webhookUrl.optional(), enabled: z.boolean().default(true) }),
    output: z.object({ channel: notificationChannelView, secret: z.string().nullable() }),
  }),
  'channels.update': def({
    summary: 'Rename, re-point, enable or disable a channel; rotateSecret issues a new signing secret (shown once).',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({
      ...inTeam, channelId: id, expectedVersion: z.string().min(1).max(64).optional(),
      name: z.string().trim().min(1).max(120).optional(), url: webhookUrl.optional(), enabled: z.boolean().optional(), rotateSecret: z.boolean().optional(),
    }),
    output: z.object({ channel: notificationChannelView, secret: z.string().nullable() }),
  }),
  'channels.delete': def({
    summary: 'Delete a channel.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, channelId: id }),
    output: okOutput,
  }),
  'channels.test': def({
    summary: '"Send test": one signed test notice to the channel, one attempt, and how it went (also in the delivery log).',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, channelId: id }),
    output: z.object({ result: deliveryResultView }),
  }),
  'channels.deliveries': def({
    summary: 'The latest delivery attempts of a channel on this node, newest first.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'read',
    input: z.strictObject({ ...inTeam, channelId: id, limit: z.number().int().min(1).max(200).default(50) }),
    output: z.object({ deliveries: z.array(deliveryAttemptView) }),
  }),

  // ---------------------------------------------------------------- fleet: enrollment and agent keys
  'agents.createEnrollmentToken': def({
    summary: 'A one-time bootstrap token for enrolling an edge agent into the team, with the agent\'s name and labels. The token is shown in this response only.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({
      ...inTeam, name: z.string().trim().min(1).max(80), labels: labels.default([]),
      ttlMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
    }),
    output: z.object({
      token: z.string(), tokenId: z.string(), expiresAt: z.number(),
      /** The gateway address of this node, for `netgoat-agent enroll --url` (null when the node runs without a gateway). */
      agentUrl: z.string().nullable(),
    }),
  }),
  'agents.revokeEnrollmentToken': def({
    summary: 'Revoke an unused bootstrap token.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, tokenId: id }),
    output: okOutput,
  }),
  'agents.revoke': def({
    summary: 'Revoke an agent: its keys stop working and its link is cut at once.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, agentId: id }),
    output: okOutput,
  }),
  'agents.rotateKey': def({
    summary: 'Give an agent a new primary session key (sent over its link); the previous key stays valid until the next rotation.',
    access: { kind: 'team', minRole: 'admin' }, effect: 'write',
    input: z.strictObject({ ...inTeam, agentId: id }),
    output: z.object({ kid: z.string() }),
  }),
} as const satisfies Record<string, ProcedureDef>;

export type Procedures = typeof procedures;
export type ProcedureName = keyof Procedures;
/** What a caller passes (defaults may be left out). */
export type InputOf<N extends ProcedureName> = z.input<Procedures[N]['input']>;
/** What a handler receives after validation. */
export type ParsedInputOf<N extends ProcedureName> = z.output<Procedures[N]['input']>;
export type OutputOf<N extends ProcedureName> = z.output<Procedures[N]['output']>;

export const PROCEDURE_NAMES = Object.keys(procedures) as ProcedureName[];
export const isProcedureName = (s: string): s is ProcedureName => Object.prototype.hasOwnProperty.call(procedures, s);

/** The typed client every transport offers the UI: `api.call('domains.list', { teamId })`. */
export interface ApiClient {
  call<N extends ProcedureName>(name: N, input: InputOf<N>): Promise<OutputOf<N>>;
}

/** Re-exported for forms that show enum choices. */
export const enums = { role, dnsType, tlsStatus, incidentStatus, tokenScope };
