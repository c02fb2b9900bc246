// The one API contract between the UI (or a script) and a node: every procedure with its input
// and output schema, its access rule and whether it changes state. Both transports (Electron IPC
// and HTTP) and the OpenAPI document are derived from this table; docs/API.md describes it.

import { z } from 'zod';
import { hostname, id, labels, role, teamId } from '../schemas/common';
import { dnsType, tlsStatus } from '../schemas/domains';
import { incidentStatus } from '../schemas/incidents';
import type { Access, Effect } from './roles';
import { tokenScope } from './roles';
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
    summary: 'This node and the cluster members it knows. The leader is null until election runs.',
    access: { kind: 'authenticated' }, effect: 'read',
    input: z.strictObject({}),
    output: z.object({ nodeId: z.string(), members: z.array(clusterMemberView), leader: z.object({ nodeId: z.string(), term: z.number() }).nullable() }),
  }),
  'agents.list': def({
    summary: 'Edge agents of a team.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inTeam }),
    output: z.object({ agents: z.array(agentView) }),
  }),
  'incidents.list': def({
    summary: 'Incidents of a team, newest first, optionally by status.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inTeam, status: incidentStatus.optional() }),
    output: z.object({ incidents: z.array(incidentView) }),
  }),
  'incidents.get': def({
    summary: 'One incident and its timeline.',
    access: { kind: 'team', minRole: 'viewer' }, effect: 'read',
    input: z.strictObject({ ...inTeam, incidentId: id }),
    output: z.object({ incident: incidentView, timeline: z.array(incidentEventView) }),
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
  'remotePeers.list': def({
    summary: 'Remote peers beyond the LAN (client secrets never shown).',
    access: { kind: 'owner' }, effect: 'read',
    input: z.strictObject({}),
    output: z.object({ peers: z.array(remotePeerView) }),
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
