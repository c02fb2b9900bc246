// Every message on a peer link (node↔node, WSS), versioned and size-capped. A link first runs the
// handshake (hello, proof), then carries replication, heartbeats, election and key rotation.

import { z } from 'zod';
import { isValidOrigin } from '../hlc';
import { versionVectorSchema } from '../ops';
import { electionWireMessage } from './election';

export const PEER_WIRE_VERSION = 1;
/** WebSocket subprotocol name: a peer speaking another version is refused at the upgrade. */
export const PEER_SUBPROTOCOL = `netgoat-peer-${PEER_WIRE_VERSION}`;

/** Largest frame a node accepts (ws maxPayload); larger frames close the link. */
export const MAX_PEER_FRAME_BYTES = 4 * 1024 * 1024;
/** Ops per batch and snapshot documents per chunk; senders also stay under the frame cap. */
export const MAX_OPS_PER_BATCH = 2000;
export const MAX_DOCS_PER_CHUNK = 2000;
export const MAX_SNAPSHOT_CHUNKS = 100_000;

const v = z.literal(PEER_WIRE_VERSION);
const nodeId = z.string().refine(isValidOrigin, 'invalid node id');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const keyId = z.string().regex(/^[0-9a-f]{16}$/);
const nonce = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a 32-byte base64url nonce');

/** First message each way: who I am, a fresh nonce, the cert I present, and which keys I hold. */
export const helloMessage = z.strictObject({
  type: z.literal('hello'),
  v,
  nodeId,
  name: z.string().trim().min(1).max(80),
  nonce,
  /** SHA-256 of my TLS certificate (lower-case hex); must equal what TLS shows the other side. */
  fingerprint: hex64,
  /** SHA-256 of the cluster id: a node of another cluster is told apart without naming ours. */
  clusterIdHash: hex64,
  /** Ids of the cluster keys I hold, current first (the previous one survives one rotation). */
  keyIds: z.array(keyId).min(1).max(2),
  priority: z.number().int().min(0).max(1000),
  /** Where my peer server listens (wss://host:port), so others can dial me back. */
  address: z.string().max(300).nullable(),
  /** I hold a join code and am not yet in the member list. */
  joining: z.boolean(),
});

/** HMAC-SHA256 proof of the cluster key over both nonces and both fingerprints; see docs/PROTOCOL-peer.md. */
export const proofMessage = z.strictObject({ type: z.literal('proof'), v, proof: hex64 });

/** "I hold this": sent on connect, after each applied batch (the ack) and every anti-entropy tick. */
export const vectorMessage = z.strictObject({
  type: z.literal('vector'),
  v,
  vector: versionVectorSchema,
  /** A periodic resync: the receiver resends everything past this vector, not past what it sent. */
  resync: z.boolean(),
  /** Origins another linked peer feeds me (core/sync/route.ts): leave their ops out. */
  skip: z.array(z.string().refine(isValidOrigin)).max(1024).optional(),
});

/** A batch of ops; each op is validated again by the store (schema, size, skew). */
export const opsMessage = z.strictObject({ type: z.literal('ops'), v, ops: z.array(z.unknown()).min(1).max(MAX_OPS_PER_BATCH) });

const snapshotDoc = z.strictObject({
  collection: z.string().min(1).max(64),
  id: z.string().min(1).max(64),
  fields: z.record(z.string().max(64), z.unknown()),
  clocks: z.record(z.string().max(64), z.string().max(100)),
  deleted: z.string().max(100).nullable(),
});

/** One piece of a snapshot; chunk 0 carries the header. The receiver imports when all have arrived. */
export const snapshotChunkMessage = z.strictObject({
  type: z.literal('snapshot-chunk'),
  v,
  snapshotId: z.string().regex(/^[a-z0-9-]{1,40}$/),
  index: z.number().int().nonnegative(),
  total: z.number().int().positive().max(MAX_SNAPSHOT_CHUNKS),
  header: z.strictObject({ origin: nodeId, hlc: z.string().max(100), vector: versionVectorSchema }).optional(),
  docs: z.array(snapshotDoc).max(MAX_DOCS_PER_CHUNK),
});

export const linkHeartbeatMessage = z.strictObject({ type: z.literal('heartbeat'), v, sentAt: z.number().int().nonnegative() });

/** Election traffic rides the link untouched; its own schema lives in wire/election. */
export const electionEnvelope = z.strictObject({ type: z.literal('election'), v, msg: electionWireMessage });

/** A new cluster key after a member removal, sealed with the key of this link (AES-256-GCM). */
export const keyRotateMessage = z.strictObject({
  type: z.literal('key-rotate'),
  v,
  keyId,
  /** The key it replaces: a node accepts a rotation only from the key it holds now. */
  previousKeyId: keyId,
  iv: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
  sealed: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/),
});

/** Why the sender is about to close (or dropped a message), with a stable code. */
export const errorMessage = z.strictObject({ type: z.literal('error'), v, code: z.string().regex(/^NG_[A-Z_]{1,40}$/), message: z.string().max(500) });

export const handshakeMessage = z.discriminatedUnion('type', [helloMessage, proofMessage, errorMessage]);
export const linkMessage = z.discriminatedUnion('type', [
  vectorMessage, opsMessage, snapshotChunkMessage, linkHeartbeatMessage, electionEnvelope, keyRotateMessage, errorMessage,
]);

export type HelloMessage = z.infer<typeof helloMessage>;
export type ProofMessage = z.infer<typeof proofMessage>;
export type VectorMessage = z.infer<typeof vectorMessage>;
export type OpsMessage = z.infer<typeof opsMessage>;
export type SnapshotChunkMessage = z.infer<typeof snapshotChunkMessage>;
export type LinkHeartbeatMessage = z.infer<typeof linkHeartbeatMessage>;
export type ElectionEnvelope = z.infer<typeof electionEnvelope>;
export type KeyRotateMessage = z.infer<typeof keyRotateMessage>;
export type PeerErrorMessage = z.infer<typeof errorMessage>;
export type HandshakeMessage = z.infer<typeof handshakeMessage>;
export type LinkMessage = z.infer<typeof linkMessage>;
/** The messages the replication session produces and consumes. */
export type SyncMessage = VectorMessage | OpsMessage | SnapshotChunkMessage;
