// Every message on the agent link (agent↔node, WSS). Enrollment is the only unsigned exchange;
// everything after it travels in a signed envelope {kid, ts, nonce, mac, body}, both ways.

import { z } from 'zod';
import { id } from '../schemas/common';
import { tlsStatus } from '../schemas/domains';
import { proxyConfig } from '../schemas/proxy';
import { telemetryAck, telemetryBatch } from './telemetry';
import { AGENT_WIRE_VERSION } from './agent-constants';

export {
  AGENT_GATEWAY_PATH, AGENT_SUBPROTOCOL, AGENT_WIRE_VERSION, CLOSE_REFUSED, CLOSE_REVOKED, MAX_AGENT_FRAME_BYTES, MAX_MESSAGE_SKEW_MS, MAX_NODE_FRAME_BYTES, bodyText, macInput,
} from './agent-constants';

const version = z.number().int().nonnegative();
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const kid = z.string().regex(/^[a-z0-9_-]{1,64}$/);
/** 16 random bytes, base64url: unique per message, remembered for the skew window. */
const nonce = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'a 16-byte base64url nonce');
const shortText = z.string().max(2000);

// ------------------------------------------------------------------ desired state

/** One domain as one agent must serve it: the merged Domain + ProxyConfig + certificate. */
export const desiredDomain = z.strictObject({
  domainId: id,
  hostname: z.string().min(1).max(253),
  tls: z.strictObject({ status: tlsStatus, certificateId: id.nullable(), notAfter: z.number().int().nonnegative().nullable() }),
  wafEnabled: z.boolean(),
  proxy: proxyConfig.nullable(),
  /** PEM chain and unsealed key, only when the node could unseal them for this agent. */
  certificate: z.strictObject({ id, chainPem: z.string().max(65_536), keyPem: z.string().max(65_536) }).nullable(),
});
export type DesiredDomain = z.infer<typeof desiredDomain>;

// ------------------------------------------------------------------ enrollment (unsigned)

export const enrollRequest = z.strictObject({
  type: z.literal('enroll'),
  v: z.literal(AGENT_WIRE_VERSION),
  token: z.string().min(16).max(200),
  /** The host's name, for the operator's list (the token decides the agent's name and labels). */
  hostname: z.string().max(253),
});

export const enrollReply = z.strictObject({
  type: z.literal('enrolled'),
  agentId: id,
  teamId: id,
  kid,
  /** The session key (32 bytes base64url). Shown once; the agent stores it with 0600 permissions. */
  key: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  /** Certificate fingerprints of the cluster's nodes: the agent pins them for its wss:// links. */
  nodeFingerprints: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(64).default([]),
});

/** A refusal before or instead of a session; the socket closes after it. */
export const refusal = z.strictObject({
  type: z.literal('refused'),
  code: z.string().max(64),
  message: shortText,
});

// ------------------------------------------------------------------ agent → node (signed bodies)

/** First signed message of a session: what the agent has applied. */
export const helloBody = z.strictObject({
  type: z.literal('hello'),
  agentId: id,
  appliedVersion: version,
  /** Checksum of the applied desired state (empty string when nothing was ever applied). */
  appliedChecksum: z.union([hex64, z.literal('')]),
  agentVersion: z.string().max(64),
});

export const applyReport = z.strictObject({
  ok: z.boolean(),
  /** Coded failure, e.g. NG_NGINX_INVALID with nginx's own words in message. */
  code: z.string().max(64).nullable(),
  message: shortText.nullable(),
  /** The domain nginx blamed, when it named one. */
  domainId: id.nullable(),
  durationMs: z.number().nonnegative(),
  /** Whether the previous tree was restored after a failure. */
  rolledBack: z.boolean(),
});
export type ApplyReport = z.infer<typeof applyReport>;

/** "I applied (or failed to apply) this version": never assumed, always reported. */
export const ackBody = z.strictObject({
  type: z.literal('ack'),
  /** The version the agent attempted. */
  version,
  /** What the agent now serves (equal to `version` on success, its previous version on failure). */
  appliedVersion: version,
  appliedChecksum: z.union([hex64, z.literal('')]),
  report: applyReport,
});

export type AckBody = z.infer<typeof ackBody>;

export const nginxStatus = z.strictObject({
  up: z.boolean(),
  active: z.number().int().nonnegative(),
  accepts: z.number().int().nonnegative(),
  handled: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  reading: z.number().int().nonnegative(),
  writing: z.number().int().nonnegative(),
  waiting: z.number().int().nonnegative(),
});
export type NginxStatus = z.infer<typeof nginxStatus>;

export const hostMetrics = z.strictObject({
  loadavg: z.array(z.number().nonnegative()).length(3),
  memTotalMb: z.number().nonnegative(),
  memFreeMb: z.number().nonnegative(),
  uptimeS: z.number().nonnegative(),
});
export type HostMetrics = z.infer<typeof hostMetrics>;

export const heartbeatBody = z.strictObject({
  type: z.literal('heartbeat'),
  appliedVersion: version,
  nginx: nginxStatus,
  host: hostMetrics,
});

/**
 * Telemetry batches (src/shared/wire/telemetry.ts) ride the same session. The node checks them
 * with TelemetryIngest, which answers every batch with a coded `telemetry_ack`.
 */
export const agentBody = z.discriminatedUnion('type', [helloBody, ackBody, heartbeatBody, telemetryBatch]);
export type AgentBody = z.infer<typeof agentBody>;

// ------------------------------------------------------------------ node → agent (signed bodies)

/** The whole desired state: sent when the agent's base is unknown to the node. */
export const fullBody = z.strictObject({
  type: z.literal('full'),
  version,
  checksum: hex64,
  domains: z.array(desiredDomain).max(100_000),
});

/** Per-domain changes from `baseVersion` (the agent's acknowledged state) to `version`. */
export const diffBody = z.strictObject({
  type: z.literal('diff'),
  baseVersion: version,
  baseChecksum: hex64,
  version,
  checksum: hex64,
  upserts: z.array(desiredDomain).max(100_000),
  removes: z.array(id).max(100_000),
});

/** Nothing to send: the agent's applied state is the desired one (its version may be renumbered). */
export const inSyncBody = z.strictObject({ type: z.literal('in_sync'), version, checksum: z.union([hex64, z.literal('')]) });

/** A new primary key, signed with the current one; the old one stays valid until the next rotation. */
export const rekeyBody = z.strictObject({ type: z.literal('rekey'), kid, key: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });

/** A refused agent message (the session stays up unless the reason is fatal). */
export const errorBody = z.strictObject({ type: z.literal('error'), code: z.string().max(64), message: shortText });

export const nodeBody = z.discriminatedUnion('type', [fullBody, diffBody, inSyncBody, rekeyBody, errorBody, telemetryAck]);
export type NodeBody = z.infer<typeof nodeBody>;
export type FullBody = z.infer<typeof fullBody>;
export type DiffBody = z.infer<typeof diffBody>;

// ------------------------------------------------------------------ the signed envelope

export const envelope = z.strictObject({
  kid,
  /** Sender's wall clock, ms. */
  ts: z.number().int().nonnegative(),
  nonce,
  /** HMAC-SHA256 (hex) over macInput(kid, ts, nonce, body) with the session key named by kid. */
  mac: hex64,
  /**
   * The message as JSON text. Signed as text and parsed only after the MAC verifies, so nothing
   * unauthenticated is ever interpreted and no re-serialisation is needed to check it.
   */
  body: z.string(),
});
export type Envelope = z.infer<typeof envelope>;
