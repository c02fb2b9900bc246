// Signing one push for many agents: the body is encoded once (its UTF-8 bytes for the MAC, its JSON
// string literal for the frame); each agent's frame adds only its own key id, timestamp, nonce and
// MAC. The bytes are exactly those of sealEnvelope (docs/PROTOCOL-agent.md, "The signed envelope").

import { AGENT_SUBPROTOCOL } from '../../shared/wire/agent';
import { hmacSha256Hex, type HmacKey } from './hmac';
import { headerBytes, writeFrameHeader, OP_TEXT, type AgentWebSocket } from './agent-websocket';

/**
 * Up to this many bytes the shared body is copied behind each agent's header and goes out as one
 * frame in one write; a larger one (a full snapshot) follows the header as a second fragment of the
 * same message, so a thousand agents share one copy instead of holding one each.
 */
const COPY_LIMIT = 16 * 1024;

/** A session key; with its HMAC pads when the caller keeps them (see hmacKey). */
export interface SigningKey {
  kid: string;
  secret: string;
  hmac?: HmacKey;
}

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
function sealedHead(key: SigningKey, body: SharedBody, now: number, nonce: string): string {
  const mac = hmacSha256Hex(key.hmac ?? key.secret, `${AGENT_SUBPROTOCOL}\n${key.kid}\n${now}\n${nonce}\n`, body.bytes);
  return `{"kid":${JSON.stringify(key.kid)},"ts":${now},"nonce":"${nonce}","mac":"${mac}","body":`;
}

/** One agent's signed frame of a shared body, as UTF-8 text in one buffer. */
export function sealShared(key: SigningKey, body: SharedBody, now: number, nonce: string): Buffer {
  return framed(sealedHead(key, body, now, nonce), body, 0);
}

/**
 * The envelope head and the shared body copied behind `headerBytes` bytes left for a WebSocket frame
 * header. The head is ASCII (key ids, digits, base64url and hex), so its length is its byte count.
 */
function framed(head: string, body: SharedBody, offset: number): Buffer {
  const frame = Buffer.allocUnsafe(offset + head.length + body.field.length);
  frame.write(head, offset, 'latin1');
  // TypedArray#set: Buffer#copy's argument handling cost more than the copy of ~1 kB itself.
  frame.set(body.field, offset + head.length);
  return frame;
}

/**
 * Signs a shared body for one agent and sends it as one text message on the agent's WebSocket.
 *
 * A fan-out writes one frame to each of thousands of sockets, so a small frame is built whole, with
 * its WebSocket header (FIN + text, unmasked as from a server, RFC 6455 §5.2), and written in one
 * call; a large one goes as two fragments of one message. Nothing is written once the WebSocket is
 * closing.
 */
export function sendSealed(to: AgentWebSocket, key: SigningKey, body: SharedBody, now: number, nonce: string): void {
  if (!to.open) return;
  const head = sealedHead(key, body, now, nonce);
  const payload = head.length + body.field.length;
  if (body.field.length <= COPY_LIMIT) {
    const at = headerBytes(payload);
    const frame = framed(head, body, at);
    writeFrameHeader(frame, 0, OP_TEXT, true, payload);
    to.writeFrame(frame);
    return;
  }
  to.sendTextParts(Buffer.from(head, 'latin1'), body.field);
}
