// Throwaway multi-host networks for tests: N network namespaces joined by a bridge that lives in a
// namespace of its own, so neither multicast nor any link ever touches the machine's interfaces.
// Everything is created with names unique to this run and removed by destroy() (or at exit).

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { SpawnOptions } from 'node:child_process';
import { spawnProcess, type ProcessHandle } from './process';

export interface TestNetwork {
  /** Namespace names, index 0 for host 1 (`ng-<run>-1`, ...). */
  readonly namespaces: readonly string[];
  /** IPv4 address of each host, same order (10.231.X.i). */
  readonly addresses: readonly string[];
  /** The host's interface name inside its namespace. */
  readonly interfaceName: string;
  /** Runs a command inside host `i` (1-based) and returns its stdout; throws with stderr on failure. */
  exec(i: number, command: string, args?: readonly string[]): string;
  /** Starts a long-running process inside host `i` (1-based); destroy() stops it. */
  spawnIn(i: number, command: string, args: readonly string[], opts?: SpawnOptions): ProcessHandle;
  /** Partitions host `i` from the bridge (its bridge port goes down). */
  cutLink(i: number): void;
  restoreLink(i: number): void;
  /** Stops the processes started here and deletes every namespace (and with them the veths and bridge). */
  destroy(): Promise<void>;
}

const HOST_IFACE = 'eth0';
const live = new Set<string>();
let exitHookInstalled = false;

/** Why namespace tests cannot run here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (CI runs as root)';
  const probe = `ng-probe-${randomBytes(3).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.error) return `iproute2 is not installed (${add.error.message})`;
  if (add.status !== 0) return `"ip netns add" is refused here: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

function ip(args: readonly string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new Error(`ip ${args.join(' ')} failed: ${stderr.trim() || (e as Error).message}`);
  }
}

function deleteNamespace(name: string): void {
  spawnSync('ip', ['netns', 'del', name]);
  live.delete(name);
}

/** `ng-<label>_<creator pid>_<random>-<host|br>`: the creator's pid lets a later run spot leftovers. */
const NAME = /^ng-[a-z0-9]*_(\d+)_[0-9a-f]+-(\d+|br)$/;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Deletes namespaces this harness made in runs whose process died without cleaning up (e.g. SIGKILL). */
function removeLeftovers(): void {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const name of listed.split('\n').map((l) => l.split(' ')[0]!)) {
    const m = NAME.exec(name);
    if (m && !alive(Number(m[1]))) deleteNamespace(name);
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test that crashes before destroy() must not leave namespaces behind.
  process.once('exit', () => [...live].forEach(deleteNamespace));
}

/**
 * Creates `n` hosts `ng-<run>-1..n` with 10.231.X.i/24 on `eth0`, loopback up and a multicast
 * route, all plugged into bridge `br0` inside namespace `ng-<run>-br`.
 */
export function createNetwork(label: string, n: number): TestNetwork {
  if (n < 1 || n > 200) throw new Error(`a test network has 1..200 hosts, not ${n}`);
  installExitHook();
  removeLeftovers();
  const run = `${label.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8)}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const subnet = 1 + (randomBytes(1)[0]! % 254);
  const bridgeNs = `ng-${run}-br`;
  const namespaces = Array.from({ length: n }, (_, k) => `ng-${run}-${k + 1}`);
  const addresses = namespaces.map((_, k) => `10.231.${subnet}.${k + 1}`);
  const processes = new Set<ProcessHandle>();

  const build = () => {
    for (const ns of [bridgeNs, ...namespaces]) {
      ip(['netns', 'add', ns]);
      live.add(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    ip(['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    ip(['-n', bridgeNs, 'link', 'set', 'br0', 'up']);
    namespaces.forEach((ns, k) => {
      const port = `p${k + 1}`;
      // Created inside the bridge namespace with its peer placed straight into the host's: the
      // pair never exists in the machine's own namespace.
      ip(['-n', bridgeNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', HOST_IFACE, 'netns', ns]);
      ip(['-n', bridgeNs, 'link', 'set', port, 'master', 'br0']);
      ip(['-n', bridgeNs, 'link', 'set', port, 'up']);
      ip(['-n', ns, 'addr', 'add', `${addresses[k]}/24`, 'dev', HOST_IFACE]);
      ip(['-n', ns, 'link', 'set', HOST_IFACE, 'up', 'multicast', 'on']);
      ip(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', HOST_IFACE]);
    });
  };

  const all = [bridgeNs, ...namespaces];
  try {
    build();
  } catch (e) {
    all.forEach(deleteNamespace);
    throw e;
  }

  const nsOf = (i: number): string => {
    const ns = namespaces[i - 1];
    if (!ns) throw new Error(`host ${i} is not in this network (1..${n})`);
    return ns;
  };

  const portOf = (i: number): string => (nsOf(i), `p${i}`);

  return {
    namespaces,
    addresses,
    interfaceName: HOST_IFACE,
    exec: (i, command, args = []) => ip(['netns', 'exec', nsOf(i), command, ...args]),
    spawnIn: (i, command, args, opts = {}) => {
      const handle = spawnProcess('ip', ['netns', 'exec', nsOf(i), command, ...args], opts);
      processes.add(handle);
      void handle.exited.then(() => processes.delete(handle));
      return handle;
    },
    cutLink: (i) => void ip(['-n', bridgeNs, 'link', 'set', portOf(i), 'down']),
    restoreLink: (i) => {
      ip(['-n', bridgeNs, 'link', 'set', portOf(i), 'up']);
      // Neighbour entries that failed during the cut would delay the first packets after the heal.
      ip(['-n', nsOf(i), 'neigh', 'flush', 'dev', HOST_IFACE]);
    },
    destroy: async () => {
      await Promise.all([...processes].map((p) => p.stop(2000)));
      all.forEach(deleteNamespace);
    },
  };
}
