// Remote peers through the API (owner only): list with the leader's link states, add (the secret is
// sealed under the cluster key and never returned), enable/disable, remove. The leader's link
// manager follows the replicated records, so a change here reaches the links from any node.

import { NgError } from '../../../shared/errors';
import { ClusterKeys } from '../../cluster/cluster-keys';
import { addRemotePeer, listRemotePeers, removeRemotePeer, setRemotePeerEnabled, type RemotePeerView } from '../../remote/remote-peers';
import { SecretSealer, clusterSealKeys } from '../../remote/secret-sealer';
import type { HandlerContext, Handlers } from '../context';

const view = ({ version: _version, ...peer }: RemotePeerView) => peer;

/** Secrets are sealed under the cluster key, which only a node running its cluster part holds. */
function sealerFor({ store, cluster }: Pick<HandlerContext, 'store' | 'cluster'>): SecretSealer {
  if (!cluster) throw new NgError('NG_UNAVAILABLE', 'this node runs without its peer links, so it holds no cluster key to seal the client secret with');
  return new SecretSealer(clusterSealKeys(new ClusterKeys(store.db)));
}

export const remotePeerHandlers: Handlers<'remotePeers.list' | 'remotePeers.add' | 'remotePeers.setEnabled' | 'remotePeers.remove'> = {
  'remotePeers.list': (_input, { store, cluster }) => {
    const { leading, links } = cluster?.remoteLinks?.() ?? { leading: false, links: [] };
    const byNode = new Map(links.map((l) => [l.nodeId, l]));
    return {
      thisNodeLeads: leading,
      peers: listRemotePeers(store).map((p) => {
        const live = byNode.get(p.nodeId);
        const link = !p.enabled
          ? { state: 'disabled' as const, since: null, lastError: null }
          : live
            ? { state: live.state, since: live.since, lastError: live.lastError }
            : { state: 'idle' as const, since: null, lastError: null };
        return { ...view(p), certFingerprint: store.get('_system_remote_peers', p.nodeId)?.certFingerprint ?? null, link };
      }),
    };
  },
  'remotePeers.add': (input, ctx) => ({ peer: view(addRemotePeer(ctx.store, sealerFor(ctx), input, ctx.actor)) }),
  'remotePeers.setEnabled': (input, { store, actor }) => ({ peer: view(setRemotePeerEnabled(store, input.nodeId, input.enabled, actor)) }),
  'remotePeers.remove': (input, { store, actor }) => {
    removeRemotePeer(store, input.nodeId, actor);
    return { ok: true as const };
  },
};
