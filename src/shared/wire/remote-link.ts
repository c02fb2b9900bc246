// The remote-link mode of the peer link: a leader dials a node beyond the LAN with an OAuth2 bearer
// JWT instead of the cluster-key proof. These are the only messages before replication starts.

import { z } from 'zod';
import { isValidOrigin } from '../hlc';
import { PEER_WIRE_VERSION, errorMessage, linkHeartbeatMessage, opsMessage, snapshotChunkMessage, vectorMessage } from './peer';

/** WebSocket subprotocol of remote links; the token rides in the upgrade's Authorization header. */
export const REMOTE_SUBPROTOCOL = `netgoat-remote-${PEER_WIRE_VERSION}`;
/** Bearer tokens are JWTs; anything longer is refused unread. */
export const MAX_BEARER_TOKEN_CHARS = 16_384;

const v = z.literal(PEER_WIRE_VERSION);

/** The accepting node verified the token: replication may start. */
export const remoteWelcomeMessage = z.strictObject({
  type: z.literal('remote-welcome'),
  v,
  nodeId: z.string().refine(isValidOrigin, 'invalid node id'),
  /** When the verified token expires (epoch ms): the leader presents a fresh one before then. */
  tokenExpiresAt: z.number().int().nonnegative(),
});

/** The leader's fresh token on an open link, so the link outlives the token it opened with. */
export const remoteTokenMessage = z.strictObject({ type: z.literal('remote-token'), v, token: z.string().min(1).max(MAX_BEARER_TOKEN_CHARS) });

/** The accepting node re-verified a fresh token. */
export const remoteTokenAcceptedMessage = z.strictObject({ type: z.literal('remote-token-accepted'), v, tokenExpiresAt: z.number().int().nonnegative() });

/** What the dialing leader may hear before the welcome. */
export const remoteOpeningMessage = z.discriminatedUnion('type', [remoteWelcomeMessage, errorMessage]);

/** After the welcome: replication, heartbeats, token refresh. No election, no key rotation: a remote peer is not a member. */
export const remoteLinkMessage = z.discriminatedUnion('type', [
  vectorMessage, opsMessage, snapshotChunkMessage, linkHeartbeatMessage, errorMessage, remoteTokenMessage, remoteTokenAcceptedMessage,
]);

export type RemoteWelcomeMessage = z.infer<typeof remoteWelcomeMessage>;
export type RemoteLinkMessage = z.infer<typeof remoteLinkMessage>;
