// The agent link's constants and text framing, without schemas: the agent process imports these
// and checks messages with its own plain validators (src/agent/wire-check.ts), so it never loads
// zod. src/shared/wire/agent.ts re-exports them with the schemas.

export const AGENT_WIRE_VERSION = 1;
/** WebSocket subprotocol: a peer speaking another version is refused at the upgrade. */
export const AGENT_SUBPROTOCOL = `netgoat-agent-${AGENT_WIRE_VERSION}`;
/** Path of the gateway on every node. */
export const AGENT_GATEWAY_PATH = '/agent/v1';

/** Largest frame the node accepts from an agent (acks with apply reports, heartbeats). */
export const MAX_AGENT_FRAME_BYTES = 256 * 1024;
/** Largest frame an agent accepts from the node (a full snapshot with certificates). */
export const MAX_NODE_FRAME_BYTES = 32 * 1024 * 1024;
/** A message older or newer than this (by its sender's clock) is refused. */
export const MAX_MESSAGE_SKEW_MS = 30_000;

/** The exact text both sides MAC: protocol, key id, timestamp and nonce on their own lines, then the body text. */
export const macInput = (k: string, ts: number, n: string, bodyJson: string): string => `${AGENT_SUBPROTOCOL}\n${k}\n${ts}\n${n}\n${bodyJson}`;

/** The body text of a message. The MAC covers the text as sent, so no canonical form is needed. */
export const bodyText = (body: object): string => JSON.stringify(body);

/** WebSocket close codes the gateway uses; the reason text carries the NG_ code. */
export const CLOSE_REFUSED = 4000;
export const CLOSE_REVOKED = 4003;
