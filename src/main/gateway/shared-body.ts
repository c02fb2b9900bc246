// Signing one push for many agents: the body is encoded once (its UTF-8 bytes for the MAC, its JSON
// string literal for the frame); each agent's frame adds only its own key id, timestamp, nonce and
// MAC. The bytes are exactly those of sealEnvelope (docs/PROTOCOL-agent.md, "The signed envelope").

import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { AGENT_SUBPROTOCOL } from '../../shared/wire/agent';
import { hmacSha256Hex, type HmacKey } from './hmac';

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
function framed(head: string, body: SharedBody, headerBytes: number): Buffer {
  const frame = Buffer.allocUnsafe(headerBytes + head.length + body.field.length);
  frame.write(head, headerBytes, 'latin1');
  // TypedArray#set: Buffer#copy's argument handling cost more than the copy of ~1 kB itself.
  frame.set(body.field, headerBytes + head.length);
  return frame;
}

/** Where a sealed frame goes: the agent's WebSocket and the socket under it. */
export interface AgentSocket {
  ws: WebSocket;
  socket: Duplex;
}

/**
 * Signs a shared body for one agent and sends it as one text message on the agent's socket.
 *
 * A fan-out writes one frame to each of thousands of sockets, so a small frame is built whole, with
 * its WebSocket header (FIN + text, unmasked as from a server, RFC 6455 §5.2), and written to the
 * socket in one call: ws would allocate the header apart and write both through cork, writev and
 * uncork. Without compression ws writes its own frames straight to the socket too, so frames keep
 * their order; nothing is written once the WebSocket is closing.
 */
export function sendSealed(to: AgentSocket, key: SigningKey, body: SharedBody, now: number, nonce: string): void {
  if (to.ws.readyState !== WebSocket.OPEN) return;
  const head = sealedHead(key, body, now, nonce);
  const payload = head.length + body.field.length;
  if (body.field.length <= COPY_LIMIT) {
    const headerBytes = payload < 126 ? 2 : 4;
    const frame = framed(head, body, headerBytes);
    frame[0] = 0x81;
    if (headerBytes === 2) frame[1] = payload;
    else {
      frame[1] = 126;
      frame.writeUInt16BE(payload, 2);
    }
    to.socket.write(frame);
    return;
  }
  // Both fragments are queued in this one call, so nothing else sent to this agent can come between them.
  to.ws.send(Buffer.from(head, 'latin1'), { binary: false, fin: false });
  to.ws.send(body.field, { binary: false, fin: true });
}
