// Incidents, the rules that raise them, and where notifications go.

import { z } from 'zod';
import { id, sealedSecret, teamId } from './common';

export const incidentStatus = z.enum(['open', 'acknowledged', 'resolved']);

export const incident = z.strictObject({
  teamId,
  ruleId: id.nullable(),
  kind: z.string().min(1).max(64),
  status: incidentStatus,
  title: z.string().min(1).max(300),
  domainId: id.nullable(),
  agentId: id.nullable(),
  openedAt: z.number().int().nonnegative(),
  acknowledgedAt: z.number().int().nonnegative().nullable(),
  acknowledgedBy: id.nullable(),
  resolvedAt: z.number().int().nonnegative().nullable(),
  resolvedBy: id.nullable(),
});

/** Timeline entries are their own records so concurrent appends never overwrite each other. */
export const incidentEvent = z.strictObject({
  teamId,
  incidentId: id,
  at: z.number().int().nonnegative(),
  kind: z.string().min(1).max(64),
  message: z.string().max(2000),
  actor: id.nullable(),
  data: z.record(z.string(), z.unknown()),
});

export const alertRule = z.strictObject({
  teamId,
  kind: z.enum(['upstream_502_streak', 'agent_unavailable', 'nginx_down', 'apply_failed', 'certificate_expiring']),
  name: z.string().trim().min(1).max(120),
  enabled: z.boolean(),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  cooldownS: z.number().int().min(0).max(86_400),
});

export const notificationChannel = z.strictObject({
  teamId,
  kind: z.enum(['desktop', 'webhook']),
  name: z.string().trim().min(1).max(120),
  url: z.string().url().max(2048).nullable(),
  /** HMAC key for webhook signatures. */
  secret: sealedSecret.nullable(),
  enabled: z.boolean(),
});
