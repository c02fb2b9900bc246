// What the API shows of stored documents: plain shapes with their id and version, and never a
// secret (password hashes, token hashes and sealed secrets have no field here).

import { z } from 'zod';
import { dnsType, tlsStatus } from '../schemas/domains';
import { incidentStatus } from '../schemas/incidents';
import { proxyConfig } from '../schemas/proxy';
import { role } from '../schemas/common';
import { tokenScope } from './roles';

const meta = { id: z.string(), version: z.string() };

export const teamView = z.object({ ...meta, name: z.string(), createdAt: z.number() });

export const userView = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  owner: z.boolean(),
  disabled: z.boolean(),
  createdAt: z.number(),
});

export const memberView = z.object({
  userId: z.string(),
  teamId: z.string(),
  email: z.string(),
  displayName: z.string(),
  role,
  /** Version of the membership record. */
  version: z.string(),
});

export const domainView = z.object({
  ...meta,
  teamId: z.string(),
  /** ASCII (punycode) form, as served and rendered. */
  hostname: z.string(),
  /** The same name in Unicode, for display. */
  displayHostname: z.string(),
  tls: z.object({ status: tlsStatus, certificateId: z.string().nullable(), notAfter: z.number().nullable() }),
  wafEnabled: z.boolean(),
  targetLabels: z.array(z.string()),
  createdAt: z.number(),
});

export const dnsRecordView = z.object({
  ...meta,
  teamId: z.string(),
  domainId: z.string(),
  type: dnsType,
  name: z.string(),
  value: z.string(),
  ttl: z.number(),
  priority: z.number().nullable(),
});

/** The editable part of a proxy config (team and domain come from the procedure input). */
export const proxySettings = proxyConfig.omit({ teamId: true, domainId: true });
export type ProxySettings = z.infer<typeof proxySettings>;

export const proxyConfigView = z.object({
  teamId: z.string(),
  domainId: z.string(),
  /** Null while the domain still uses the defaults (nothing saved yet): pass null as expectedVersion. */
  version: z.string().nullable(),
  settings: proxySettings,
});

export const auditEntryView = z.object({
  /** HLC of the change; pass it as `before` to page further back. */
  hlc: z.string(),
  at: z.number(),
  actor: z.string(),
  /** The actor's e-mail when the actor is a user this node knows. */
  actorEmail: z.string().nullable(),
  collection: z.string(),
  id: z.string(),
  teamId: z.string().nullable(),
  action: z.enum(['create', 'update', 'delete']),
  /** Changed fields before and after, secrets replaced by "[redacted]". */
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()),
});

export const apiTokenView = z.object({
  id: z.string(),
  teamId: z.string(),
  name: z.string(),
  scope: tokenScope,
  createdBy: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  revokedAt: z.number().nullable(),
  lastUsedAt: z.number().nullable(),
  /** The first characters of the token, to recognise it ("ngt_ab12…"). */
  prefix: z.string(),
});

/** An agent as the node serving the API sees it: status words, desired vs applied, last apply; never its keys. */
export const agentView = z.object({
  ...meta,
  teamId: z.string(),
  name: z.string(),
  labels: z.array(z.string()),
  revoked: z.boolean(),
  createdAt: z.number(),
  /** Online (linked, nginx up) / Offline (linked, nginx down) / Unavailable (not reachable now) / Unknown (never seen here). */
  status: z.enum(['Online', 'Offline', 'Unavailable', 'Unknown']),
  sync: z.enum(['In sync', 'Out of sync', 'Sync failed', 'Unknown']),
  desiredVersion: z.number(),
  appliedVersion: z.number(),
  lastAttempt: z.number().nullable(),
  lastSuccess: z.number().nullable(),
  lastError: z.object({ code: z.string(), message: z.string(), domainId: z.string().nullable() }).nullable(),
  /** The last heartbeat this node received: when, and whether nginx was up. */
  lastHeartbeat: z.object({ at: z.number(), nginxUp: z.boolean(), activeConnections: z.number() }).nullable(),
  /** Ids of the session keys (primary first); the keys themselves never leave the node. */
  keyIds: z.array(z.string()),
});

export const incidentView = z.object({
  ...meta,
  teamId: z.string(),
  ruleId: z.string().nullable(),
  kind: z.string(),
  status: incidentStatus,
  title: z.string(),
  domainId: z.string().nullable(),
  agentId: z.string().nullable(),
  openedAt: z.number(),
  acknowledgedAt: z.number().nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: z.number().nullable(),
  resolvedBy: z.string().nullable(),
});

export const incidentEventView = z.object({
  id: z.string(),
  incidentId: z.string(),
  at: z.number(),
  kind: z.string(),
  message: z.string(),
  actor: z.string().nullable(),
});

export const clusterMemberView = z.object({
  nodeId: z.string(),
  name: z.string(),
  certFingerprint: z.string(),
  priority: z.number(),
  address: z.string().nullable(),
  removed: z.boolean(),
  joinedAt: z.number(),
});

export const remotePeerView = z.object({
  id: z.string(),
  nodeId: z.string(),
  address: z.string(),
  type: z.enum(['cloud', 'remote']),
  authority: z.string(),
  clientId: z.string(),
  scopes: z.array(z.string()),
  enabled: z.boolean(),
});

/** One slot of a traffic chart: the buckets of every matching agent and domain added together. */
export const trafficPointView = z.object({
  start: z.number(),
  lengthMs: z.number(),
  requests: z.number(),
  status2xx: z.number(),
  status3xx: z.number(),
  status4xx: z.number(),
  status5xx: z.number(),
  status502: z.number(),
  bytes: z.number(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  configVersions: z.array(z.number()),
});

export const alertRuleView = z.object({
  id: z.string(),
  /** Null for a team default that was never edited (nothing stored yet). */
  version: z.string().nullable(),
  teamId: z.string(),
  kind: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  cooldownS: z.number(),
  /** True while this is the built-in default of its kind (no rule of the kind is stored). */
  isDefault: z.boolean(),
});

export const notificationChannelView = z.object({
  ...meta,
  teamId: z.string(),
  kind: z.enum(['desktop', 'webhook']),
  name: z.string(),
  url: z.string().nullable(),
  enabled: z.boolean(),
  /** Whether a signing secret is held (the secret itself is shown only when created or rotated). */
  hasSecret: z.boolean(),
});

export const deliveryAttemptView = z.object({
  deliveryId: z.string(),
  channelId: z.string(),
  event: z.string(),
  attempt: z.number(),
  at: z.number(),
  status: z.number().nullable(),
  error: z.string().nullable(),
});

export const deliveryResultView = z.object({
  ok: z.boolean(),
  deliveryId: z.string(),
  attempts: z.number(),
  status: z.number().nullable(),
  error: z.string().nullable(),
});

/** What an incident is about, resolved to names the console can link to. */
export const incidentContextView = z.object({
  agent: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  domain: z.object({ id: z.string(), hostname: z.string().nullable() }).nullable(),
  configVersion: z.number().nullable(),
  lastApply: z.object({
    version: z.number(), ok: z.boolean(), at: z.number(), code: z.string().nullable(), message: z.string().nullable(), domainId: z.string().nullable(),
  }).nullable(),
});
