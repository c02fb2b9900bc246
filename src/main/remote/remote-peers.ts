// Remote peers (nodes beyond the LAN) in the replicated `_system_remote_peers` collection: add,
// enable, disable, remove, list. The document id is the peer's node id, so the same peer added on
// two nodes at once merges into one record. The client secret is sealed before it is written and
// is never returned: views say only that one is set.

import { z } from 'zod';
import type { Store, Stored } from '../db/store';
import { NgError } from '../../shared/errors';
import { parseOrThrow } from '../../shared/validation';
import { remotePeer } from '../../shared/schemas/cluster';
import { checkAuthorityUrl } from './oidc-discovery';
import type { SecretSealer } from './secret-sealer';

const COLLECTION = '_system_remote_peers';
export type RemotePeerDoc = Stored<typeof COLLECTION>;

export const remotePeerInput = z.strictObject({
  nodeId: remotePeer.shape.nodeId,
  address: remotePeer.shape.address,
  type: remotePeer.shape.type.default('cloud'),
  authority: remotePeer.shape.oauth2.shape.authority,
  clientId: remotePeer.shape.oauth2.shape.clientId,
  clientSecret: z.string().min(1).max(4096),
  scopes: remotePeer.shape.oauth2.shape.scopes,
  enabled: z.boolean().default(true),
});
export type RemotePeerInput = z.input<typeof remotePeerInput>;

/** What callers (API, CLI, UI) see of a remote peer: everything but the secret (the API's remotePeerView shape). */
export interface RemotePeerView {
  id: string;
  nodeId: string;
  address: string;
  type: 'cloud' | 'remote';
  authority: string;
  clientId: string;
  scopes: string[];
  enabled: boolean;
  version: string;
}

/** Where a peer's secret lives; sealed values are bound to it. */
export const clientSecretContext = (nodeId: string): string => `${COLLECTION}/${nodeId}/oauth2.clientSecret`;

export function toView(doc: RemotePeerDoc): RemotePeerView {
  const { authority, clientId, scopes } = doc.oauth2;
  return { id: doc.id, nodeId: doc.nodeId, address: doc.address, type: doc.type, authority, clientId, scopes: [...scopes], enabled: doc.enabled, version: doc.version };
}

/** Peer addresses must be encrypted links (wss/https), except on loopback. */
function checkPeerAddress(address: string): void {
  const url = new URL(address);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (!(url.protocol === 'wss:' || url.protocol === 'https:' || (loopback && (url.protocol === 'ws:' || url.protocol === 'http:')))) {
    throw new NgError('NG_VALIDATION', `address ${address} must be wss:// or https:// (plain ws/http only on loopback)`, { path: ['address'] });
  }
}

export function addRemotePeer(store: Store, sealer: SecretSealer, input: RemotePeerInput, actor: string): RemotePeerView {
  const peer = parseOrThrow(remotePeerInput, input);
  if (peer.nodeId === store.nodeId) throw new NgError('NG_VALIDATION', `${peer.nodeId} is this node's own id`, { path: ['nodeId'] });
  checkPeerAddress(peer.address);
  checkAuthorityUrl(peer.authority);
  if (store.get(COLLECTION, peer.nodeId)) throw new NgError('NG_CONFLICT', `remote peer ${peer.nodeId} already exists; remove it first to change it`, { path: ['nodeId'] });
  const doc = store.write(
    COLLECTION,
    peer.nodeId,
    {
      nodeId: peer.nodeId,
      address: peer.address,
      type: peer.type,
      oauth2: { authority: peer.authority, clientId: peer.clientId, clientSecret: sealer.seal(peer.clientSecret, clientSecretContext(peer.nodeId)), scopes: peer.scopes },
      enabled: peer.enabled,
    },
    { actor, expectedVersion: null },
  );
  return toView(doc);
}

function existing(store: Store, nodeId: string): RemotePeerDoc {
  const doc = store.get(COLLECTION, nodeId);
  if (!doc) throw new NgError('NG_NOT_FOUND', `no remote peer ${nodeId}`, { path: ['nodeId'] });
  return doc;
}

export function setRemotePeerEnabled(store: Store, nodeId: string, enabled: boolean, actor: string): RemotePeerView {
  existing(store, nodeId);
  return toView(store.write(COLLECTION, nodeId, { enabled }, { actor }));
}

export function removeRemotePeer(store: Store, nodeId: string, actor: string): void {
  existing(store, nodeId);
  store.delete(COLLECTION, nodeId, { actor });
}

export function listRemotePeers(store: Store): RemotePeerView[] {
  return store.list(COLLECTION).map(toView).sort((a, b) => a.nodeId.localeCompare(b.nodeId));
}

/** The peer's raw records, for the link manager (which opens the secret in memory only). */
export const remotePeerDocs = (store: Store): RemotePeerDoc[] => store.list(COLLECTION);
