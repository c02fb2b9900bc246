// `netgoat serve`: the headless node. Parses flags, starts the same node the desktop app runs,
// prints where its console is, and closes it cleanly on SIGINT/SIGTERM (exiting anyway if closing
// hangs). Runnable directly (`node --import tsx src/main/serve.ts`) or through bin/netgoat.mjs.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NgError, isNgError } from '../shared/errors';
import { parseServeArgs, SERVE_USAGE } from './args';
import { defaultDataDir } from './data-dir';
import { createLogger, type Logger } from './log';
import { startNode, type RunningNode } from './node';
import type { FleetOptions } from './fleet/wire-fleet';
import { wireRemotePeers } from './remote/wire-remote-peers';
import { readAgentPortConfig } from './gateway/agent-port-config';

/** After this long, a shutdown that has not finished gives up and exits non-zero. */
export const SHUTDOWN_TIMEOUT_MS = 5000;

/**
 * Where `npm run build:web` puts the web console (see vite.web.config.ts), under the package root:
 * the nearest folder up with a package.json, found the same from src/main and from the one-file
 * build in node_modules/.cache/netgoat (bin/node-cli.mjs).
 */
export const WEB_ROOT = join(packageRootOf(dirname(fileURLToPath(import.meta.url))), 'out', 'web');

function packageRootOf(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return resolve(dir, '..', '..');
  }
}

export async function runServe(argv: readonly string[]): Promise<void> {
  const parsed = parseServeArgs(argv);
  if (!parsed.ok) {
    console.error(`netgoat serve: ${parsed.message}\n\n${SERVE_USAGE}`);
    process.exit(2);
  }
  if (parsed.value.help) {
    console.log(SERVE_USAGE);
    return;
  }
  const { host, port, peerPort, peerHost, advertise, name, priority, discovery, config } = parsed.value;
  const dataDir = resolve(parsed.value.dataDir ?? defaultDataDir());
  const logger = createLogger();

  let node: RunningNode;
  try {
    const agentPort = parsed.value.agentPort ?? (config ? readAgentPortConfig(resolve(config)) : undefined);
    node = await startNode({
      ...(agentPort !== undefined ? { agentPort } : {}),
      dataDir, host, port, logger, webRoot: process.env['NETGOAT_WEB_ROOT'] || WEB_ROOT,
      cluster: { peerPort, discovery, ...(peerHost ? { peerHost } : {}), ...(advertise ? { advertise } : {}), ...(name ? { name } : {}), ...(priority !== undefined ? { priority } : {}) },
      fleet: fleetFromEnv(process.env),
    });
    node.own('remote-peers', wireRemotePeers(node, config ? { configFile: resolve(config) } : {}));
  } catch (e) {
    const code = isNgError(e) ? e.code : 'NG_INTERNAL';
    const message = e instanceof Error ? e.message : String(e);
    logger.fatal({ err: e, code, dataDir }, 'node failed to start');
    console.error(`netgoat: cannot start: ${code}: ${message}`);
    process.exit(1);
  }
  console.log(`Netgoat console: ${node.url}`);
  console.log(`Netgoat peer links: ${node.cluster.peerAddress}`);
  console.log(`Netgoat agent gateway: ${node.agentUrl}`);
  logger.info({ url: node.url }, `Netgoat console: ${node.url}`);
  closeOnSignals(node, logger);
}

/** NETGOAT_ALERT_INTERVAL_MS: how often the leader evaluates alert rules (tests use short buckets and a short interval). */
export function fleetFromEnv(env: NodeJS.ProcessEnv): FleetOptions {
  const raw = env['NETGOAT_ALERT_INTERVAL_MS'];
  if (raw === undefined || raw === '') return {};
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100 || ms > 3_600_000) throw new NgError('NG_VALIDATION', `NETGOAT_ALERT_INTERVAL_MS must be 100..3600000 ms (got ${JSON.stringify(raw)})`);
  return { alertIntervalMs: ms };
}

function closeOnSignals(node: RunningNode, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown did not finish in time: exiting anyway');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    node.close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) await runServe(process.argv.slice(2));
