// Remote-peer records: the secret is sealed before it reaches the store (so not in the file, the
// oplog or any view), records replicate like any other, and `initialRemotePeers` applies once.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/db/store';
import { ClusterKeys } from '../../src/main/cluster/cluster-keys';
import { clusterMigrations } from '../../src/main/cluster/migrations';
import type { NgError } from '../../src/shared/errors';
import { addRemotePeer, clientSecretContext, listRemotePeers, removeRemotePeer, setRemotePeerEnabled } from '../../src/main/remote/remote-peers';
import { SecretSealer, clusterSealKeys, staticSealKeys } from '../../src/main/remote/secret-sealer';
import { applyInitialRemotePeers, applyInitialRemotePeersFromFile } from '../../src/main/remote/initial-peers';

const SECRET = 'cloud-client-secret-7f3a9c21e8';
const PEER = { nodeId: 'cloud-1', address: 'wss://cloud-1.example:7380', authority: 'https://auth.example/realms/netgoat', clientId: 'netgoat-leader', clientSecret: SECRET, scopes: ['netgoat:replicate'] };

let dir: string;
const stores: Store[] = [];
const openStore = (nodeId: string) => {
  const s = Store.open({ path: join(dir, `${nodeId}.db`), nodeId, migrations: clusterMigrations });
  stores.push(s);
  return s;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netgoat-peers-'));
});
afterEach(() => {
  stores.splice(0).forEach((s) => s.close());
  rmSync(dir, { recursive: true, force: true });
});

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as NgError).code;
  }
  return 'no error';
};

describe('remote-peer records', () => {
  it('seals the client secret: it is in neither the database file, the oplog nor any view', () => {
    const store = openStore('node-a');
    const sealer = new SecretSealer(staticSealKeys(randomBytes(32)));
    const view = addRemotePeer(store, sealer, PEER, 'u-admin');
    expect(view).toMatchObject({ id: 'cloud-1', nodeId: 'cloud-1', enabled: true, type: 'cloud', scopes: ['netgoat:replicate'] });
    expect(JSON.stringify(view)).not.toContain(SECRET);
    expect(JSON.stringify(listRemotePeers(store))).not.toContain(SECRET);
    expect(JSON.stringify(store.auditLog())).not.toContain(SECRET);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).includes(Buffer.from(SECRET))).toBe(false);
    const doc = store.get('_system_remote_peers', 'cloud-1')!;
    expect(doc.oauth2.clientSecret.alg).toBe('aes-256-gcm');
    expect(sealer.open(doc.oauth2.clientSecret, clientSecretContext('cloud-1'))).toBe(SECRET);
  });

  it('refuses to open a sealed secret moved to another record, or under a key it does not hold', () => {
    const sealer = new SecretSealer(staticSealKeys(randomBytes(32)));
    const sealed = sealer.seal(SECRET, clientSecretContext('cloud-1'));
    expect(codeOf(() => sealer.open(sealed, clientSecretContext('cloud-2')))).toBe('NG_BAD_SIGNATURE');
    expect(codeOf(() => new SecretSealer(staticSealKeys(randomBytes(32), 'other')).open(sealed, clientSecretContext('cloud-1')))).toBe('NG_REVOKED');
  });

  it('replicates to another member, which can open the secret with the shared cluster key, also after a rotation', () => {
    const a = openStore('node-a');
    const b = openStore('node-b');
    const keysA = new ClusterKeys(a.db);
    new ClusterKeys(b.db).adopt(keysA.create());
    addRemotePeer(a, new SecretSealer(clusterSealKeys(keysA)), PEER, 'u-admin');
    expect(b.applyRemote(a.opsSince(b.vector()).ops).rejected).toEqual([]);
    const keysB = new ClusterKeys(b.db);
    keysB.acceptRotation(randomBytes(32), keysB.current()!.keyId);
    const doc = b.get('_system_remote_peers', 'cloud-1')!;
    expect(new SecretSealer(clusterSealKeys(keysB)).open(doc.oauth2.clientSecret, clientSecretContext('cloud-1'))).toBe(SECRET);
  });

  it('refuses a node outside a cluster: there is no key to seal with', () => {
    const store = openStore('node-a');
    expect(codeOf(() => addRemotePeer(store, new SecretSealer(clusterSealKeys(new ClusterKeys(store.db))), PEER, 'u-admin'))).toBe('NG_UNAVAILABLE');
    expect(listRemotePeers(store)).toEqual([]);
  });

  it('enables, disables and removes by node id, with coded refusals', () => {
    const store = openStore('node-a');
    const sealer = new SecretSealer(staticSealKeys(randomBytes(32)));
    addRemotePeer(store, sealer, PEER, 'u-admin');
    expect(codeOf(() => addRemotePeer(store, sealer, PEER, 'u-admin'))).toBe('NG_CONFLICT');
    expect(setRemotePeerEnabled(store, 'cloud-1', false, 'u-admin').enabled).toBe(false);
    expect(setRemotePeerEnabled(store, 'cloud-1', true, 'u-admin').enabled).toBe(true);
    removeRemotePeer(store, 'cloud-1', 'u-admin');
    expect(listRemotePeers(store)).toEqual([]);
    expect(codeOf(() => setRemotePeerEnabled(store, 'cloud-1', true, 'u-admin'))).toBe('NG_NOT_FOUND');
    expect(codeOf(() => removeRemotePeer(store, 'cloud-1', 'u-admin'))).toBe('NG_NOT_FOUND');
  });

  it.each([
    ['its own node id', { nodeId: 'node-a' }],
    ['plain http to another machine', { address: 'http://cloud-1.example:7380' }],
    ['an http authority off loopback', { authority: 'http://auth.example' }],
    ['a scope with a space', { scopes: ['a b'] }],
    ['an empty secret', { clientSecret: '' }],
  ])('refuses %s with NG_VALIDATION', (_what, change) => {
    const store = openStore('node-a');
    expect(codeOf(() => addRemotePeer(store, new SecretSealer(staticSealKeys(randomBytes(32))), { ...PEER, ...change }, 'u-admin'))).toBe('NG_VALIDATION');
  });
});

describe('initialRemotePeers', () => {
  const entry = { ...PEER, clientSecret: undefined, clientSecretEnv: 'CLOUD_1_SECRET' };
  const env = { CLOUD_1_SECRET: SECRET };

  it('adds the configured peers once; a restart neither duplicates nor resurrects a removed one', () => {
    const store = openStore('node-a');
    const sealer = new SecretSealer(staticSealKeys(randomBytes(32)));
    expect(applyInitialRemotePeers(store, sealer, [entry], env)).toEqual({ added: ['cloud-1'], skipped: [] });
    expect(applyInitialRemotePeers(store, sealer, [entry], env)).toEqual({ added: [], skipped: ['cloud-1'] });
    removeRemotePeer(store, 'cloud-1', 'u-admin');
    expect(applyInitialRemotePeers(store, sealer, [entry], env)).toEqual({ added: [], skipped: ['cloud-1'] });
    expect(listRemotePeers(store)).toEqual([]);
  });

  it('reads the config file and takes the secret from the named environment variable', () => {
    const store = openStore('node-a');
    const sealer = new SecretSealer(staticSealKeys(randomBytes(32)));
    const path = join(dir, 'netgoat.json');
    writeFileSync(path, JSON.stringify({ initialRemotePeers: [entry] }));
    expect(applyInitialRemotePeersFromFile(store, sealer, path, env).added).toEqual(['cloud-1']);
    const doc = store.get('_system_remote_peers', 'cloud-1')!;
    expect(sealer.open(doc.oauth2.clientSecret, clientSecretContext('cloud-1'))).toBe(SECRET);
  });

  it('refuses an entry whose secret variable is unset, and adds nothing for it', () => {
    const store = openStore('node-a');
    const sealer = new SecretSealer(staticSealKeys(randomBytes(32)));
    expect(codeOf(() => applyInitialRemotePeers(store, sealer, [entry], {}))).toBe('NG_VALIDATION');
    expect(listRemotePeers(store)).toEqual([]);
    expect(applyInitialRemotePeers(store, sealer, [entry], env).added).toEqual(['cloud-1']);
  });
});
