// Command-line flags of `netgoat serve`. Parsing is pure so it is tested without a process; a bad
// flag becomes an NG_VALIDATION result that the caller turns into exit code 2.

import { NgError, fail, ok, type Result } from '../shared/errors';

export const DEFAULT_PORT = 7380;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PEER_PORT = 7381;

export interface ServeArgs {
  dataDir: string | undefined;
  host: string;
  port: number;
  /** Peer-link (WSS) port; 0 for any free one. */
  peerPort: number;
  /** Address the peer links listen on; undefined means the same as host. */
  peerHost: string | undefined;
  /** The wss:// address other members dial, when it differs from peerHost:peerPort (NAT, wildcard hosts). */
  advertise: string | undefined;
  name: string | undefined;
  priority: number | undefined;
  discovery: boolean;
  /** Agent gateway over wss:// with the node certificate on its own port; undefined: only ws:// on the HTTP port. */
  agentPort: number | undefined;
  /** JSON config file (remoteAuth, initialRemotePeers: docs/remote-peers.md; agentPort). */
  config: string | undefined;
  help: boolean;
}

export const SERVE_USAGE = `Usage: netgoat serve [--data-dir DIR] [--port N] [--host H] [cluster flags]

Runs a headless Netgoat node and serves the web console.

  --data-dir DIR  where the node keeps its database (default: per-OS data directory,
                  or NETGOAT_DATA_DIR)
  --port N        HTTP port, 0 for any free port (default: ${DEFAULT_PORT})
  --host H        address to listen on (default: ${DEFAULT_HOST}; use 0.0.0.0 or :: to
                  accept connections from other machines)

Cluster (see docs/cluster.md):
  --peer-port N   port of the peer links to other members, 0 for any free port
                  (default: ${DEFAULT_PEER_PORT})
  --peer-host H   address the peer links listen on (default: the --host value)
  --advertise URL address other members dial, e.g. wss://10.0.0.5:${DEFAULT_PEER_PORT}
                  (default: wss://PEER-HOST:PEER-PORT; for 0.0.0.0 or ::, the first
                  non-loopback IPv4 address)
  --name NAME     name shown to the other members (default: the machine's hostname)
  --priority N    election priority 0..1000, higher leads (default: 100)
  --no-discovery  do not advertise or browse with mDNS (add peers by address)
  --config FILE   JSON config file: remoteAuth (who may link to this node from beyond
                  the LAN) and initialRemotePeers (see docs/remote-peers.md), agentPort

Edge agents (see docs/PROTOCOL-agent.md):
  --agent-port N  serve the agent gateway over wss:// with the node's certificate on
                  port N (0 for any free port) on the --host address; agents pin the
                  certificate. Without it agents use ws:// on the HTTP port.
  --help          show this text`;

const VALUE_FLAGS = ['--data-dir', '--port', '--host', '--peer-port', '--agent-port', '--peer-host', '--advertise', '--name', '--priority', '--config'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

const bad = (message: string): Result<never> => fail(new NgError('NG_VALIDATION', message));

export function parseServeArgs(argv: readonly string[]): Result<ServeArgs> {
  const out: ServeArgs = {
    dataDir: undefined, host: DEFAULT_HOST, port: DEFAULT_PORT, peerPort: DEFAULT_PEER_PORT, peerHost: undefined, advertise: undefined,
    name: undefined, priority: undefined, discovery: true, agentPort: undefined, config: undefined, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (arg === '--no-discovery') {
      out.discovery = false;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(VALUE_FLAGS as readonly string[]).includes(flag)) {
      return bad(arg.startsWith('-') ? `unknown flag ${flag}` : `unexpected argument ${JSON.stringify(arg)}`);
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) return bad(`${flag} needs a value`);
      i++;
    }
    const problem = apply(out, flag as ValueFlag, value);
    if (problem) return bad(problem);
  }
  return ok(out);
}

/** Stores one flag's value; returns what is wrong with it, if anything. */
function apply(out: ServeArgs, flag: ValueFlag, value: string): string | undefined {
  switch (flag) {
    case '--data-dir':
      if (value.trim() === '') return '--data-dir must not be empty';
      out.dataDir = value;
      return undefined;
    case '--host':
      if (value.trim() === '' || /\s/.test(value)) return `--host ${JSON.stringify(value)} is not an address`;
      out.host = value;
      return undefined;
    case '--port':
    case '--peer-port':
    case '--agent-port': {
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) return `${flag} ${JSON.stringify(value)} is not a port number (0-65535)`;
      out[flag === '--port' ? 'port' : flag === '--peer-port' ? 'peerPort' : 'agentPort'] = Number(value);
      return undefined;
    }
    case '--peer-host':
      if (value.trim() === '' || /\s/.test(value)) return `--peer-host ${JSON.stringify(value)} is not an address`;
      out.peerHost = value;
      return undefined;
    case '--advertise':
      if (!/^wss:\/\/[^\s/?#]+:\d{1,5}\/?$/.test(value)) return `--advertise ${JSON.stringify(value)} must look like wss://host:port`;
      out.advertise = value;
      return undefined;
    case '--name':
      if (value.trim() === '' || value.length > 80) return '--name must be 1..80 characters';
      out.name = value.trim();
      return undefined;
    case '--priority':
      if (!/^\d{1,4}$/.test(value) || Number(value) > 1000) return `--priority ${JSON.stringify(value)} is not a whole number 0..1000`;
      out.priority = Number(value);
      return undefined;
    case '--config':
      if (value.trim() === '') return '--config must name a file';
      out.config = value;
      return undefined;
  }
}
