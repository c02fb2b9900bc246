// The ops frame, the bulk of replication traffic, made cheap at both ends: the sender serializes
// each op once (the same text measures the batch and becomes the frame), and the receiver checks a
// frame's envelope in one pass instead of walking every op through the schema library; each op is
// then checked by the store, as every op is.

import { MAX_OPS_PER_BATCH, PEER_WIRE_VERSION, type OpsMessage, type SyncMessage } from '../../shared/wire/peer';

/** Frame text of messages built from already serialized ops. */
const encoded = new WeakMap<SyncMessage, string>();

/** An ops message for `ops`, whose serialized forms are `texts` (same order, same length). */
export function opsMessageFromTexts(ops: OpsMessage['ops'], texts: readonly string[]): OpsMessage {
  const msg: OpsMessage = { type: 'ops', v: PEER_WIRE_VERSION, ops };
  // Key order as JSON.stringify(msg) would write it, so both encodings are the same text.
  encoded.set(msg, `{"type":"ops","v":${PEER_WIRE_VERSION},"ops":[${texts.join(',')}]}`);
  return msg;
}

/** The frame text of a sync message. */
export function encodeSyncMessage(msg: SyncMessage): string {
  return encoded.get(msg) ?? JSON.stringify(msg);
}

const OPS_KEYS = new Set(['type', 'v', 'ops']);

/**
 * Whether a parsed frame is a well-formed ops message: exactly the checks of the `opsMessage`
 * schema (strict keys, this wire version, 1..MAX_OPS_PER_BATCH ops of any shape) in one pass.
 * A frame that fails goes through the schema, which names what is wrong.
 */
export function isOpsMessage(raw: unknown): raw is OpsMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const o = raw as Record<string, unknown>;
  if (o.type !== 'ops' || o.v !== PEER_WIRE_VERSION) return false;
  for (const key in o) if (!OPS_KEYS.has(key)) return false;
  return Array.isArray(o.ops) && o.ops.length >= 1 && o.ops.length <= MAX_OPS_PER_BATCH;
}
