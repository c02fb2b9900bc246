// `netgoat peers ...`: manage remote peers from a shell. The client secret is read from an
// environment variable named on the command line, never from argv (argv shows in `ps` and shell
// history), and nothing here ever prints it. Exit codes: 0 done, 1 refused (NG_ code), 2 usage.

import { NgError, isNgError } from '../../shared/errors';
import type { Store } from '../db/store';
import { addRemotePeer, listRemotePeers, removeRemotePeer, setRemotePeerEnabled, type RemotePeerInput, type RemotePeerView } from './remote-peers';
import type { SecretSealer } from './secret-sealer';

/** The operations the CLI needs: backed by the local store, or by a running node's API. */
export interface RemotePeerOps {
  add(input: RemotePeerInput): Promise<RemotePeerView> | RemotePeerView;
  setEnabled(nodeId: string, enabled: boolean): Promise<RemotePeerView> | RemotePeerView;
  remove(nodeId: string): Promise<void> | void;
  list(): Promise<RemotePeerView[]> | RemotePeerView[];
}

export interface PeersCliDeps {
  peers: RemotePeerOps;
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export const PEERS_USAGE = `Usage:
  netgoat peers list [--json]
  netgoat peers add-cloud --node-id ID --address URL --authority URL --client-id ID
                          --client-secret-env VAR --scopes "SCOPE ..." [--type cloud|remote] [--disabled]
  netgoat peers enable NODE_ID
  netgoat peers disable NODE_ID
  netgoat peers remove NODE_ID

Remote peers are nodes beyond the LAN. Only the leader links to them, with OAuth2 client
credentials from --authority (an OIDC issuer). The client secret is taken from the environment
variable named by --client-secret-env, stored encrypted, and never shown again.`;

/** Remote-peer operations straight on this node's store (the node's API handlers use the same functions). */
export function localRemotePeerOps(store: Store, sealer: SecretSealer, actor: string): RemotePeerOps {
  return {
    add: (input) => addRemotePeer(store, sealer, input, actor),
    setEnabled: (nodeId, enabled) => setRemotePeerEnabled(store, nodeId, enabled, actor),
    remove: (nodeId) => removeRemotePeer(store, nodeId, actor),
    list: () => listRemotePeers(store),
  };
}

class UsageError extends Error {}

const ADD_FLAGS = ['--node-id', '--address', '--authority', '--client-id', '--client-secret-env', '--scopes', '--type'] as const;
type AddFlag = (typeof ADD_FLAGS)[number];

function parseFlags(argv: readonly string[], valueFlags: readonly string[], boolFlags: readonly string[]): { values: Map<string, string>; bools: Set<string> } {
  const values = new Map<string, string>();
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (boolFlags.includes(flag)) {
      bools.add(flag);
      continue;
    }
    if (!valueFlags.includes(flag)) throw new UsageError(arg.startsWith('-') ? `unknown flag ${flag}` : `unexpected argument ${JSON.stringify(arg)}`);
    if (values.has(flag)) throw new UsageError(`${flag} given twice`);
    let value = eq > 0 && flag !== arg ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    value = value.trim();
    values.set(flag, value);
  }
  return { values, bools };
}

function addInput(argv: readonly string[], env: NodeJS.ProcessEnv): RemotePeerInput {
  const { values, bools } = parseFlags(argv, ADD_FLAGS, ['--disabled']);
  const need = (flag: AddFlag): string => {
    const v = values.get(flag);
    if (!v) throw new UsageError(`${flag} is required`);
    return v;
  };
  const secretVar = need('--client-secret-env');
  const secret = env[secretVar];
  if (!secret) throw new UsageError(`environment variable ${secretVar} (named by --client-secret-env) is not set or empty`);
  const type = values.get('--type') ?? 'cloud';
  if (type !== 'cloud' && type !== 'remote') throw new UsageError(`--type must be cloud or remote, not ${JSON.stringify(type)}`);
  return {
    nodeId: need('--node-id'),
    address: need('--address'),
    type,
    authority: need('--authority'),
    clientId: need('--client-id'),
    clientSecret: secret,
    scopes: need('--scopes').split(/[\s,]+/).filter(Boolean),
    enabled: !bools.has('--disabled'),
  };
}

function oneNodeId(argv: readonly string[], verb: string): string {
  if (argv.length !== 1 || argv[0]!.startsWith('-')) throw new UsageError(`peers ${verb} takes exactly one NODE_ID`);
  return argv[0]!;
}

function table(peers: readonly RemotePeerView[]): string[] {
  const rows = [['NODE ID', 'ADDRESS', 'TYPE', 'ENABLED', 'AUTHORITY', 'CLIENT ID', 'SCOPES'], ...peers.map((p) => [p.nodeId, p.address, p.type, p.enabled ? 'yes' : 'no', p.authority, p.clientId, p.scopes.join(' ')])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '));
}

const describePeer = (p: RemotePeerView): string => `${p.nodeId} ${p.address} (${p.type}, ${p.enabled ? 'enabled' : 'disabled'})`;

/** Runs `netgoat peers ARGV...` (argv without the leading "peers"); resolves with the exit code. */
export async function runPeersCli(argv: readonly string[], deps: PeersCliDeps): Promise<number> {
  const out = deps.out ?? ((l: string) => console.log(l));
  const err = deps.err ?? ((l: string) => console.error(l));
  const env = deps.env ?? process.env;
  const [verb, ...rest] = argv;
  try {
    switch (verb) {
      case 'list': {
        const { bools } = parseFlags(rest, [], ['--json']);
        const peers = await deps.peers.list();
        if (bools.has('--json')) out(JSON.stringify(peers));
        else if (peers.length === 0) out('No remote peers.');
        else table(peers).forEach((l) => out(l));
        return 0;
      }
      case 'add-cloud':
        out(`Added ${describePeer(await deps.peers.add(addInput(rest, env)))}; the secret is stored encrypted.`);
        return 0;
      case 'enable':
      case 'disable':
        out(`${verb === 'enable' ? 'Enabled' : 'Disabled'} ${describePeer(await deps.peers.setEnabled(oneNodeId(rest, verb), verb === 'enable'))}.`);
        return 0;
      case 'remove': {
        const nodeId = oneNodeId(rest, verb);
        await deps.peers.remove(nodeId);
        out(`Removed remote peer ${nodeId}.`);
        return 0;
      }
      case '--help':
      case '-h':
      case 'help':
        out(PEERS_USAGE);
        return 0;
      default:
        throw new UsageError(verb === undefined ? 'a subcommand is required' : `unknown subcommand ${JSON.stringify(verb)}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`netgoat peers: ${e.message}\n\n${PEERS_USAGE}`);
      return 2;
    }
    const ng = isNgError(e) ? e : new NgError('NG_INTERNAL', (e as Error).message);
    err(`netgoat peers: ${ng.code}: ${ng.message}`);
    return 1;
  }
}
