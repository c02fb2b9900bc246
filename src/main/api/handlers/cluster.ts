// The LAN cluster through the API: what the Peers screen shows (peers.status) and the owner's
// operations on the cluster. Secrets never leave: the join code only in cluster.create's answer.

import { NgError } from '../../../shared/errors';
import type { ClusterControl, PeersStatus } from '../../cluster/cluster-service';
import type { Store } from '../../db/store';
import type { HandlerContext, Handlers } from '../context';

const need = (ctx: HandlerContext): ClusterControl => {
  if (!ctx.cluster) throw new NgError('NG_UNAVAILABLE', 'this node runs without its peer links, so cluster operations are not available here');
  return ctx.cluster;
};

/** Without peer links (API tests) the store still knows the member list; nothing more. */
function storeOnlyStatus(store: Store): PeersStatus {
  return {
    nodeId: store.nodeId,
    self: { nodeId: store.nodeId, name: store.nodeId, fingerprint: '', peerAddress: null, inCluster: false },
    members: store.list('members').map(({ id, name, certFingerprint, priority, address, removed, joinedAt }) => ({
      nodeId: id, name, certFingerprint, priority, address, removed, joinedAt, self: id === store.nodeId,
      connected: false, lastSeen: null, lastError: null, skewRejections: 0, clockOffsetMs: null,
    })),
    leader: null,
    election: { role: 'follower', term: 0, leaderId: null, since: null },
    discovered: [],
    stateHash: store.stateHash(),
  };
}

const OK = { ok: true } as const;

export const clusterHandlers: Handlers<'peers.status' | 'cluster.create' | 'cluster.join' | 'cluster.connect' | 'cluster.removeMember' | 'cluster.setPriority'> = {
  'peers.status': (_input, ctx) => ctx.cluster?.status() ?? storeOnlyStatus(ctx.store),
  'cluster.create': (_input, ctx) => need(ctx).create(),
  'cluster.join': (input, ctx) => need(ctx).join(input.address, input.joinCode),
  'cluster.connect': (input, ctx) => {
    need(ctx).connect(input.address);
    return OK;
  },
  'cluster.removeMember': (input, ctx) => {
    need(ctx).removeMember(input.nodeId, ctx.actor);
    return OK;
  },
  'cluster.setPriority': (input, ctx) => {
    need(ctx).setPriority(input.nodeId ?? ctx.store.nodeId, input.priority, ctx.actor);
    return OK;
  },
};
