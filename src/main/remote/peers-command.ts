// `netgoat peers ... [--data-dir DIR]`: the remote-peer CLI on a stopped node's data directory. The
// writes are ordinary ops of that node, so they replicate when it starts again. A running node holds
// its database exclusively; then the CLI says so and points to the console and the API.

import { resolve } from 'node:path';
import { isNgError } from '../../shared/errors';
import { Store } from '../db/store';
import { databasePath, defaultDataDir } from '../data-dir';
import { ClusterKeys } from '../cluster/cluster-keys';
import { clusterMigrations } from '../cluster/migrations';
import { localRemotePeerOps, PEERS_USAGE, runPeersCli } from './peers-cli';
import { SecretSealer, clusterSealKeys } from './secret-sealer';

export const NODE_RUNNING_MESSAGE = 'the node is running; use the console or the API, or stop it first';

/** Takes `--data-dir DIR` (or `--data-dir=DIR`) out of argv; the rest is for runPeersCli. */
function splitDataDir(argv: readonly string[]): { dataDir: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let dataDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--data-dir') dataDir = argv[++i];
    else if (arg.startsWith('--data-dir=')) dataDir = arg.slice('--data-dir='.length);
    else rest.push(arg);
  }
  return { dataDir, rest };
}

/** Runs the command; resolves with its exit code (0 done, 1 refused, 2 usage). */
export async function runPeersCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { dataDir, rest } = splitDataDir(argv);
  if (rest.length === 0 || ['help', '--help', '-h'].includes(rest[0]!)) {
    console.log(`${PEERS_USAGE}\n\n  --data-dir DIR  the stopped node's data directory (default: per-OS data directory,\n                  or NETGOAT_DATA_DIR); while the node runs, use the console or the API`);
    return rest.length === 0 ? 2 : 0;
  }
  let store: Store;
  try {
    store = Store.open({ path: databasePath(resolve(dataDir ?? defaultDataDir(env))), migrations: clusterMigrations });
  } catch (e) {
    if (isNgError(e) && e.code === 'NG_UNAVAILABLE') console.error(`netgoat peers: NG_UNAVAILABLE: ${NODE_RUNNING_MESSAGE}`);
    else console.error(`netgoat peers: ${isNgError(e) ? e.code : 'NG_INTERNAL'}: ${(e as Error).message}`);
    return 1;
  }
  try {
    const sealer = new SecretSealer(clusterSealKeys(new ClusterKeys(store.db)));
    return await runPeersCli(rest, { peers: localRemotePeerOps(store, sealer, `cli:${env['USER'] ?? 'local'}`), env });
  } finally {
    store.close();
  }
}
