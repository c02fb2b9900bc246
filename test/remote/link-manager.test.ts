// The leader's links to remote peers, end to end: a real OpenID provider issues the tokens, each
// remote endpoint verifies them, and the store's remote-peer records drive who is linked.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Store } from '../../src/main/db/store';
import { Backoff } from '../../src/main/net/backoff';
import { RemoteLinkManager, type RemoteLinkEvent } from '../../src/main/remote/link-manager';
import { addRemotePeer, removeRemotePeer, setRemotePeerEnabled } from '../../src/main/remote/remote-peers';
import { SecretSealer, staticSealKeys } from '../../src/main/remote/secret-sealer';
import { createTokenVerifier } from '../../src/main/remote/token-verifier';
import { startOidcProvider, type TestProvider } from './oidc-provider';
import { startRemoteEndpoint, wsTransport, type RemoteEndpoint } from './ws-remote';

const SCOPE = 'netgoat:replicate';
const LEADER = { clientId: 'leader', clientSecret: 'leader-secret-0123456789', scope: SCOPE };
/** The disable/remove budget of the issue: a disabled peer is disconnected within 2 s. */
const DISCONNECT_BUDGET_MS = 2000;

let provider: TestProvider;
let east: RemoteEndpoint;
let west: RemoteEndpoint;
let strict: RemoteEndpoint;
let dir: string;
let store: Store;
let sealer: SecretSealer;
const managers: RemoteLinkManager[] = [];

beforeAll(async () => {
  [east, west, strict] = await Promise.all([startRemoteEndpoint(), startRemoteEndpoint(), startRemoteEndpoint()]);
  provider = await startOidcProvider({ resources: [east.url, west.url, strict.url], scopes: [SCOPE], clients: [LEADER] });
  east.setVerifier(createTokenVerifier({ issuer: provider.issuer, audience: east.url, requiredScope: SCOPE }));
  west.setVerifier(createTokenVerifier({ issuer: provider.issuer, audience: west.url, requiredScope: SCOPE }));
  // Strict demands a scope the leader's client is never granted: every link attempt is refused.
  strict.setVerifier(createTokenVerifier({ issuer: provider.issuer, audience: strict.url, requiredScope: 'netgoat:admin' }));
});
afterAll(async () => {
  await Promise.all([east?.close(), west?.close(), strict?.close(), provider?.close()]);
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netgoat-remote-'));
  store = Store.open({ path: join(dir, 'node.db'), nodeId: 'leader-node' });
  sealer = new SecretSealer(staticSealKeys(randomBytes(32)));
});
afterEach(() => {
  managers.splice(0).forEach((m) => m.stopLeading());
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const addPeer = (nodeId: string, endpoint: RemoteEndpoint, enabled = true) =>
  addRemotePeer(store, sealer, { nodeId, address: endpoint.url, authority: provider.issuer, clientId: LEADER.clientId, clientSecret: LEADER.clientSecret, scopes: [SCOPE], enabled }, 'u-admin');

function newManager(): { manager: RemoteLinkManager; events: RemoteLinkEvent[] } {
  const manager = new RemoteLinkManager({ store, sealer, transport: wsTransport, backoff: () => new Backoff(50, 200) });
  const events: RemoteLinkEvent[] = [];
  manager.onEvent((e) => events.push(e));
  managers.push(manager);
  return { manager, events };
}

const openOn = (endpoint: RemoteEndpoint) => endpoint.open();

describe('RemoteLinkManager', () => {
  it('links nowhere while this node is not the leader', () => {
    addPeer('east', east);
    const { manager } = newManager();
    expect(manager.leading).toBe(false);
    expect(manager.linked()).toEqual([]);
  });

  it('as leader links to every enabled remote peer with a token the remote accepts', async () => {
    addPeer('east', east);
    addPeer('west', west, false);
    const before = east.accepted();
    const { manager } = newManager();
    manager.startLeading();
    await vi.waitFor(() => expect(manager.linked()).toEqual(['east']));
    expect(east.accepted() - before).toBe(1);
    expect(openOn(west)).toBe(0);
    expect(east.refusals()).toEqual([]);
  });

  it('links a peer as soon as it is enabled, and drops it within 2 s of being disabled', async () => {
    addPeer('west', west, false);
    const { manager, events } = newManager();
    manager.startLeading();
    setRemotePeerEnabled(store, 'west', true, 'u-admin');
    await vi.waitFor(() => expect(openOn(west)).toBe(1));
    setRemotePeerEnabled(store, 'west', false, 'u-admin');
    expect(manager.linked()).toEqual([]);
    expect(events.at(-1)).toEqual({ kind: 'unlinked', nodeId: 'west', reason: 'disabled' });
    await vi.waitFor(() => expect(openOn(west)).toBe(0), { timeout: DISCONNECT_BUDGET_MS, interval: 20 });
  });

  it('drops a removed peer within 2 s', async () => {
    addPeer('east', east);
    const { manager, events } = newManager();
    manager.startLeading();
    await vi.waitFor(() => expect(openOn(east)).toBe(1));
    removeRemotePeer(store, 'east', 'u-admin');
    expect(events.at(-1)).toEqual({ kind: 'unlinked', nodeId: 'east', reason: 'removed' });
    await vi.waitFor(() => expect(openOn(east)).toBe(0), { timeout: DISCONNECT_BUDGET_MS, interval: 20 });
  });

  it('closes every link when leadership ends, and a new leader takes them over', async () => {
    addPeer('east', east);
    addPeer('west', west);
    const { manager: oldLeader } = newManager();
    oldLeader.startLeading();
    await vi.waitFor(() => expect([openOn(east), openOn(west)]).toEqual([1, 1]));
    oldLeader.stopLeading();
    expect(oldLeader.linked()).toEqual([]);
    await vi.waitFor(() => expect([openOn(east), openOn(west)]).toEqual([0, 0]), { timeout: DISCONNECT_BUDGET_MS, interval: 20 });

    const { manager: newLeader } = newManager();
    newLeader.startLeading();
    await vi.waitFor(() => expect(newLeader.linked()).toEqual(['east', 'west']));
    expect([openOn(east), openOn(west)]).toEqual([1, 1]);
  });

  it('reports a remote refusal and keeps retrying with backoff', async () => {
    addPeer('strict', strict);
    const { manager, events } = newManager();
    manager.startLeading();
    await vi.waitFor(() => expect(events.filter((e) => e.kind === 'failed').length).toBeGreaterThanOrEqual(2));
    expect(manager.linked()).toEqual([]);
    expect(strict.refusals()[0]).toBe('NG_FORBIDDEN scope');
    expect(strict.accepted()).toBe(0);
  });
});
