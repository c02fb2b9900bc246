// Telemetry between cluster members: a side channel on the peer link, outside the domain oplog.
// A member asks "buckets of origin X after seq N" (`want`), the other answers with one page per
// origin (`buckets`); agent watermarks and agent presence (who is linked where, last heartbeat,
// nginx state) travel as `agents`. Every record is immutable or only grows, so any order and any
// duplicate give the same state.

import { z } from 'zod';
import { isValidOrigin } from '../hlc';
import { id } from '../schemas/common';
import { telemetryBucket, telemetryCounters } from './telemetry';

/** The message type on the peer link; PeerLink hands such frames to the telemetry side channel. */
export const PEER_TELEMETRY_TYPE = 'telemetry';
export const PEER_TELEMETRY_VERSION = 1;
/** Largest telemetry frame a node sends or accepts (well under the peer link's frame cap). */
export const MAX_PEER_TELEMETRY_BYTES = 1024 * 1024;
/** Buckets per page; a page of full minutes (≈1 KiB each) stays under the frame cap. */
export const MAX_BUCKETS_PER_PAGE = 500;
/** Agents per `agents` message. */
export const MAX_AGENTS_PER_MESSAGE = 1_000;
/** Origins one `want` may name (cluster members, past and present). */
export const MAX_TELEMETRY_ORIGINS = 256;

const v = z.literal(PEER_TELEMETRY_VERSION);
const type = z.literal(PEER_TELEMETRY_TYPE);
const origin = z.string().refine(isValidOrigin, 'invalid node id');
const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const epochMs = z.number().int().nonnegative();

/** "Send me what you hold of each origin after this seq" (origins not named: from the start). */
export const telemetryWant = z.strictObject({
  type, v, kind: z.literal('want'),
  cursors: z.record(origin, seq).refine((c) => Object.keys(c).length <= MAX_TELEMETRY_ORIGINS, 'too many origins'),
});

export const replicatedBucket = z.strictObject({ agentId: id, teamId: id, seq, bucket: telemetryBucket });

/** One page of an origin's buckets, in seq order; `through` is the cursor to ask from next. */
export const telemetryPage = z.strictObject({
  type, v, kind: z.literal('buckets'),
  origin,
  after: seq,
  through: seq,
  more: z.boolean(),
  buckets: z.array(replicatedBucket).max(MAX_BUCKETS_PER_PAGE),
}).superRefine((p, ctx) => {
  if (p.through < p.after) ctx.addIssue({ code: 'custom', path: ['through'], message: 'through is before after' });
  if (p.buckets.some((b) => b.seq <= p.after || b.seq > p.through)) ctx.addIssue({ code: 'custom', path: ['buckets'], message: 'a bucket outside (after, through]' });
});

const lastApply = z.strictObject({
  version: z.number().int().nonnegative(),
  ok: z.boolean(),
  at: epochMs,
  code: z.string().max(64).nullable(),
  message: z.string().max(2000).nullable(),
  domainId: id.nullable(),
});

/** What the sender's gateway knows of an agent linked to it: the presence record. */
export const agentPresence = z.strictObject({
  connected: z.boolean(),
  lastSeenAt: epochMs.nullable(),
  nginxDownSince: epochMs.nullable(),
  lastApply: lastApply.nullable(),
  appliedVersion: z.number().int().nonnegative().nullable(),
});

/** Per agent: how far its telemetry is complete (only grows), and, when linked to the sender, its presence. */
export const replicatedAgent = z.strictObject({
  agentId: id,
  teamId: id,
  coveredUntil: epochMs.nullable(),
  counters: telemetryCounters.nullable(),
  presence: agentPresence.nullable(),
});

export const telemetryAgents = z.strictObject({
  type, v, kind: z.literal('agents'),
  agents: z.array(replicatedAgent).max(MAX_AGENTS_PER_MESSAGE),
});

export const peerTelemetryMessage = z.discriminatedUnion('kind', [telemetryWant, telemetryPage, telemetryAgents]);

export type TelemetryWant = z.infer<typeof telemetryWant>;
export type TelemetryPage = z.infer<typeof telemetryPage>;
export type ReplicatedBucket = z.infer<typeof replicatedBucket>;
export type AgentPresence = z.infer<typeof agentPresence>;
export type ReplicatedAgent = z.infer<typeof replicatedAgent>;
export type TelemetryAgents = z.infer<typeof telemetryAgents>;
export type PeerTelemetryMessage = z.infer<typeof peerTelemetryMessage>;
