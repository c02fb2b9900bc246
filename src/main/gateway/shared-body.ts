// Signing one push for many agents: the body is encoded once (its UTF-8 bytes for the MAC, its JSON
// string literal for the frame); each agent's frame adds only its own key id, timestamp, nonce and
// MAC. The bytes are exactly those of sealEnvelope (docs/PROTOCOL-agent.md, "The signed envelope").

import { createHmac } from 'node:crypto';
import type { WebSocket } from 'ws';
import { AGENT_SUBPROTOCOL } from '../../shared/wire/agent';

/**
 * Up to this many bytes the shared body is copied behind each agent's header and goes out as one
 * frame in one write; a larger one (a full snapshot) follows the header as a second fragment of the
 * same message, so a thousand agents share one copy instead of holding one each.
 */
const COPY_LIMIT = 16 * 1024;

/** A message body ready to be signed for any number of agents. */
export class SharedBody {
  /** The body text as UTF-8: what the MAC covers after the per-agent header. */
  readonly bytes: Buffer;
  /** The body text as a JSON string literal: the envelope's "body" field and the closing brace. */
  readonly field: Buffer;

  constructor(readonly json: string) {
    this.bytes = Buffer.from(json);
    this.field = Buffer.from(`${JSON.stringify(json)}}`);
  }
}

/**
 * One agent's part of a signed frame: the envelope up to its "body" field. The MAC is HMAC-SHA256
 * under the session key over "netgoat-agent-1\n" + kid + "\n" + ts + "\n" + nonce + "\n" + body.
 */
function sealedHead(key: { kid: string; secret: string }, body: SharedBody, now: number, nonce: string): string {
  const mac = createHmac('sha256', Buffer.from(key.secret, 'base64url'))
    .update(`${AGENT_SUBPROTOCOL}\n${key.kid}\n${now}\n${nonce}\n`)
    .update(body.bytes)
    .digest('hex');
  return `{"kid":${JSON.stringify(key.kid)},"ts":${now},"nonce":"${nonce}","mac":"${mac}","body":`;
}

/** One agent's signed frame of a shared body, as UTF-8 text in one buffer. */
export function sealShared(key: { kid: string; secret: string }, body: SharedBody, now: number, nonce: string): Buffer {
  const head = sealedHead(key, body, now, nonce);
  const headBytes = Buffer.byteLength(head);
  const frame = Buffer.allocUnsafe(headBytes + body.field.length);
  frame.write(head, 0, 'utf8');
  body.field.copy(frame, headBytes);
  return frame;
}

/** Signs a shared body for one agent and sends it as one text message on the agent's socket. */
export function sendSealed(ws: WebSocket, key: { kid: string; secret: string }, body: SharedBody, now: number, nonce: string): void {
  if (body.field.length <= COPY_LIMIT) {
    ws.send(sealShared(key, body, now, nonce), { binary: false });
    return;
  }
  // Both fragments are queued in this one call, so nothing else sent to this agent can come between them.
  ws.send(Buffer.from(sealedHead(key, body, now, nonce)), { binary: false, fin: false });
  ws.send(body.field, { binary: false, fin: true });
}
