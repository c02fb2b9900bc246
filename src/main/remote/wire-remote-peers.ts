// Remote peers in a running node: the leader duty 'remote-peer-links' (RemoteLinkManager over the
// WSS peer link), the acceptor that lets verified leaders link to this node, `initialRemotePeers`
// from the config file, and the link states the API shows. Returns how to undo all of it.

import { isNgError } from '../../shared/errors';
import type { RemoteLinks, RemoteLinkState } from '../cluster/cluster-service';
import type { RunningNode } from '../node';
import { applyInitialRemotePeersFromFile } from './initial-peers';
import { RemoteLinkManager } from './link-manager';
import { readRemotePeersConfig } from './node-config';
import type { Fetch } from './oidc-discovery';
import { peerLinkTransport, remoteLinkAcceptor } from './remote-link-transport';
import { remotePeerDocs } from './remote-peers';
import { SecretSealer, clusterSealKeys } from './secret-sealer';
import { createTokenVerifier } from './token-verifier';

export interface WireRemotePeersOptions {
  /** The node's JSON config file (`--config`): `remoteAuth`, `initialRemotePeers`. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  fetch?: Fetch;
}

export const REMOTE_PEER_DUTY = 'remote-peer-links';

export function wireRemotePeers(node: RunningNode, opts: WireRemotePeersOptions = {}): () => Promise<void> {
  const { store, logger: log, cluster } = node;
  const config = opts.configFile ? readRemotePeersConfig(opts.configFile) : { remoteAuth: null, hasInitialRemotePeers: false };
  const sealer = new SecretSealer(clusterSealKeys(cluster.keys));

  // Sealing needs the cluster key: before the node is in a cluster, the seeds wait for its first leadership.
  const seedFromConfig = () => {
    if (!opts.configFile || !config.hasInitialRemotePeers || !cluster.keys.clusterId()) return;
    try {
      const seeded = applyInitialRemotePeersFromFile(store, sealer, opts.configFile, opts.env);
      if (seeded.added.length > 0) log.info({ added: seeded.added }, 'initialRemotePeers applied');
    } catch (e) {
      log.error({ code: isNgError(e) ? e.code : 'NG_INTERNAL', reason: (e as Error).message }, 'initialRemotePeers not applied');
    }
  };
  seedFromConfig();

  const manager = new RemoteLinkManager({
    store, sealer, logger: log, ...(opts.fetch ? { fetch: opts.fetch } : {}),
    transport: peerLinkTransport({ store, log, certificate: cluster.certificate }),
  });
  const states = new Map<string, RemoteLinkState>();
  const stopEvents = manager.onEvent((e) => {
    const now = Date.now();
    if (e.kind === 'linked') states.set(e.nodeId, { nodeId: e.nodeId, state: 'linked', since: now, lastError: null });
    else if (e.kind === 'failed') states.set(e.nodeId, { nodeId: e.nodeId, state: 'failing', since: states.get(e.nodeId)?.state === 'failing' ? states.get(e.nodeId)!.since : now, lastError: { code: e.code, message: e.message } });
    else if (e.reason === 'dropped') states.set(e.nodeId, { nodeId: e.nodeId, state: 'connecting', since: now, lastError: states.get(e.nodeId)?.lastError ?? null });
    else states.delete(e.nodeId);
  });

  const unregister = cluster.duties.register(REMOTE_PEER_DUTY, () => {
    // Only a member of a cluster can open the sealed secrets; a standalone node leads nothing here.
    if (!cluster.keys.clusterId()) return () => undefined;
    seedFromConfig();
    manager.startLeading();
    return () => {
      manager.stopLeading();
      states.clear();
    };
  });

  /** Every enabled peer this leader links to: its recorded state, or 'connecting' before the first outcome. */
  const linkStates = (): RemoteLinks => {
    if (!manager.leading) return { leading: false, links: [] };
    const links = remotePeerDocs(store)
      .filter((d) => d.enabled && d.nodeId !== store.nodeId)
      .map((d) => states.get(d.nodeId) ?? { nodeId: d.nodeId, state: 'connecting' as const, since: null, lastError: null });
    return { leading: true, links };
  };

  const accept = config.remoteAuth ? remoteLinkAcceptor({ store, log, verify: createTokenVerifier({ ...config.remoteAuth, ...(opts.fetch ? { fetch: opts.fetch } : {}) }) }) : null;
  cluster.attachRemoteLinks({ accept, states: linkStates });
  log.info({ acceptsRemoteLinks: accept !== null, issuer: config.remoteAuth?.issuer ?? null }, 'remote peers wired');

  return async () => {
    cluster.attachRemoteLinks(null);
    await unregister();
    stopEvents();
  };
}
