// The ops frame, the bulk of replication traffic, made cheap at both ends. On the wire each op is
// an oplog row, [origin, seq, hlc, collection, id, team, actor, body], whose body ({s, d, p}: set,
// delete, prev) is the JSON text the origin's oplog stores, embedded verbatim: the sender builds
// a frame from the rows it reads without parsing or re-serializing any op, and the same text
// measures the batch. The receiver checks a frame's envelope in one pass instead of walking every
// op through the schema library, turns each row back into an op, and the store checks every op
// (schema, size, skew) as it checks any op.

import { MAX_OPS_PER_BATCH, PEER_WIRE_VERSION, type OpsMessage, type SyncMessage } from '../../shared/wire/peer';

/** One op as the oplog holds it: envelope columns, and the payload as JSON text. */
export interface OplogRow {
  origin: string;
  seq: number;
  hlc: string;
  collection: string;
  id: string;
  team: string | null;
  actor: string;
  /** `{"s": set, "d": true, "p": prev}`, absent members left out. */
  body: string;
}

/** The wire text of one op row. */
export function opRowText(r: OplogRow): string {
  const team = r.team === null ? 'null' : JSON.stringify(r.team);
  return `[${JSON.stringify(r.origin)},${r.seq},${JSON.stringify(r.hlc)},${JSON.stringify(r.collection)},${JSON.stringify(r.id)},${team},${JSON.stringify(r.actor)},${r.body}]`;
}

/** Frame text of messages built from op rows. */
const encoded = new WeakMap<SyncMessage, string>();

/** An ops message whose ops are the op rows `texts` (from opRowText). */
export function opsMessageFromRowTexts(texts: readonly string[]): OpsMessage {
  // Key order as JSON.stringify(msg) writes it, so both encodings are the same text.
  const text = `{"type":"ops","v":${PEER_WIRE_VERSION},"ops":[${texts.join(',')}]}`;
  let ops: unknown[] | undefined;
  const msg: OpsMessage = {
    type: 'ops',
    v: PEER_WIRE_VERSION,
    // Only an in-process reader (a simulation) ever needs the ops as values: parsed on demand.
    get ops() {
      return (ops ??= (JSON.parse(text) as OpsMessage).ops);
    },
  };
  encoded.set(msg, text);
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

const BODY_KEYS = new Set(['s', 'd', 'p']);

/**
 * One received op as the store takes it: a well-formed row becomes an op object; anything else
 * (an op already in object form, or a malformed row) is handed on unchanged, so the store accepts
 * or refuses it with its own coded reason. Values are not checked here: the store checks them all.
 */
export function opFromWire(raw: unknown): unknown {
  if (!Array.isArray(raw) || raw.length !== 8) return raw;
  const body: unknown = raw[7];
  if (typeof body !== 'object' || body === null || Object.getPrototypeOf(body) !== Object.prototype) return raw;
  for (const key in body) if (!BODY_KEYS.has(key)) return raw;
  const { s, d, p } = body as { s?: unknown; d?: unknown; p?: unknown };
  return { origin: raw[0], seq: raw[1], hlc: raw[2], collection: raw[3], id: raw[4], team: raw[5], actor: raw[6], set: s, delete: d, prev: p };
}
