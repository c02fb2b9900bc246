// `initialRemotePeers` in a node's config file: remote peers to add the first time this node
// starts with them. Applied once per node id (remembered in a node-local table), so a peer the
// operator later removed or changed is never brought back by a restart.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Store } from '../db/store';
import { NgError } from '../../shared/errors';
import { parseOrThrow } from '../../shared/validation';
import { addRemotePeer, remotePeerInput } from './remote-peers';
import type { SecretSealer } from './secret-sealer';

/** One entry: the secret comes from an environment variable (preferred) or, less safely, inline. */
export const initialRemotePeer = remotePeerInput
  .omit({ clientSecret: true })
  .extend({ clientSecretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(), clientSecret: z.string().min(1).max(4096).optional() })
  .refine((p) => (p.clientSecretEnv === undefined) !== (p.clientSecret === undefined), 'give exactly one of clientSecretEnv or clientSecret');
export const initialRemotePeers = z.array(initialRemotePeer).max(100);

export interface SeedResult {
  added: string[];
  /** Applied before (by this node), or already present in the replicated collection. */
  skipped: string[];
}

const SEED_TABLE = 'CREATE TABLE IF NOT EXISTS remote_peer_seeds (node_id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)';

export function applyInitialRemotePeers(store: Store, sealer: SecretSealer, entries: unknown, env: NodeJS.ProcessEnv = process.env): SeedResult {
  const peers = parseOrThrow(initialRemotePeers, entries, ['initialRemotePeers']);
  store.db.exec(SEED_TABLE);
  const seeded = store.db.prepare('SELECT 1 FROM remote_peer_seeds WHERE node_id = ?').pluck();
  const mark = store.db.prepare('INSERT OR IGNORE INTO remote_peer_seeds (node_id, applied_at) VALUES (?, ?)');
  const result: SeedResult = { added: [], skipped: [] };
  peers.forEach((p, index) => {
    if (seeded.get(p.nodeId) || store.get('_system_remote_peers', p.nodeId)) {
      mark.run(p.nodeId, Date.now());
      result.skipped.push(p.nodeId);
      return;
    }
    const secret = p.clientSecret ?? env[p.clientSecretEnv!];
    if (!secret) throw new NgError('NG_VALIDATION', `initialRemotePeers[${index}]: environment variable ${p.clientSecretEnv} is not set`, { path: ['initialRemotePeers', index, 'clientSecretEnv'] });
    const { clientSecretEnv: _env, clientSecret: _inline, ...rest } = p;
    store.transaction(() => {
      addRemotePeer(store, sealer, { ...rest, clientSecret: secret }, 'system:config');
      mark.run(p.nodeId, Date.now());
    });
    result.added.push(p.nodeId);
  });
  return result;
}

/** Reads `initialRemotePeers` from a JSON config file (absent key: nothing to do). */
export function applyInitialRemotePeersFromFile(store: Store, sealer: SecretSealer, path: string, env: NodeJS.ProcessEnv = process.env): SeedResult {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NgError('NG_VALIDATION', `config file ${path} is not readable JSON: ${(e as Error).message}`, { path: [path] });
  }
  const entries = typeof config === 'object' && config !== null ? (config as Record<string, unknown>).initialRemotePeers : undefined;
  return entries === undefined ? { added: [], skipped: [] } : applyInitialRemotePeers(store, sealer, entries, env);
}
