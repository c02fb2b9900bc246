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

export const agentView = z.object({
  ...meta,
  teamId: z.string(),
  name: z.string(),
  labels: z.array(z.string()),
  revoked: z.boolean(),
  createdAt: z.number(),
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
