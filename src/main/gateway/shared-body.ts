// Signing one push for many agents: the body is encoded once (its UTF-8 bytes for the MAC, its JSON
// string literal for the frame); each agent's frame adds only its own key id, timestamp, nonce and
// MAC. The bytes are exactly those of sealEnvelope (docs/PROTOCOL-agent.md, "The signed envelope").

import { createHmac } from 'node:crypto';
import { AGENT_SUBPROTOCOL } from '../../shared/wire/agent';

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
 * One agent's signed frame of a shared body: HMAC-SHA256 under the session key over
 * "netgoat-agent-1\n" + kid + "\n" + ts + "\n" + nonce + "\n" + body, as UTF-8 text in one buffer.
 */
export function sealShared(key: { kid: string; secret: string }, body: SharedBody, now: number, nonce: string): Buffer {
  const mac = createHmac('sha256', Buffer.from(key.secret, 'base64url'))
    .update(`${AGENT_SUBPROTOCOL}\n${key.kid}\n${now}\n${nonce}\n`)
    .update(body.bytes)
    .digest('hex');
  const head = Buffer.from(`{"kid":${JSON.stringify(key.kid)},"ts":${now},"nonce":"${nonce}","mac":"${mac}","body":`);
  return Buffer.concat([head, body.field], head.length + body.field.length);
}
