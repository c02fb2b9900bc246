// netgoat-agent: `enroll --url … --token …`, `run`, `status`. Runnable as
// `node --import tsx src/agent/cli.ts <command> [options]`.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_RENDER_OPTIONS, type RenderOptions } from '../core/nginx/index';
import { isNgError } from '../shared/errors';
import { Agent, AGENT_VERSION, credentialsPath, statusPath, type AgentStatusFile } from './agent';
import { readCredentials, writeCredentials } from './credentials';
import { enroll } from './link';
import { splitPinnedUrl } from './node-pin';
import { AgentMetrics } from './metrics';
import { NginxTarget } from './nginx-target';
import { AgentTelemetry } from './telemetry/agent-telemetry';

const USAGE = `usage:
  netgoat-agent enroll --url wss://node:port/agent/v1#sha256=FINGERPRINT[,wss://other…] --token TOKEN [--data-dir DIR]
                 (the #sha256= part pins the node's certificate; the node's enrollment token view shows the URL with it)
  netgoat-agent run [--data-dir DIR] [--http-port 80] [--https-port 443] [--status-port 8089] [--listen ADDR]
                    [--metrics-port 9464] [--heartbeat-ms 10000] [--nginx-prefix DIR] [--min-backoff-ms 1000]
                    [--telemetry-bucket-ms 60000] [--drift-check-ms 30000]
  netgoat-agent status [--data-dir DIR]`;

const defaultDataDir = (): string => process.env['NETGOAT_AGENT_DIR'] ?? '/var/lib/netgoat-agent';

function log(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: Date.now(), name: 'netgoat-agent', msg, ...fields })}\n`);
}

const int = (v: string | undefined, fallback: number, name: string): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new Error(`--${name} must be a port number (got ${v})`);
  return n;
};

async function cmdEnroll(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' }, token: { type: 'string' }, 'data-dir': { type: 'string' } } });
  if (!values.url || !values.token) {
    console.error(USAGE);
    return 2;
  }
  const urls = values.url.split(',').map((u) => u.trim()).filter(Boolean);
  const dataDir = values['data-dir'] ?? defaultDataDir();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let lastError: unknown = null;
  for (const url of urls) {
    try {
      const e = await enroll(url, values.token, hostname());
      const given = urls.map(splitPinnedUrl);
      const pins = [...new Set([...given.flatMap((g) => (g.pin ? [g.pin] : [])), ...e.pins])];
      writeCredentials(credentialsPath(dataDir), {
        agentId: e.agentId, teamId: e.teamId, nodeUrls: given.map((g) => g.url), keys: [{ kid: e.kid, secret: e.key }],
        ...(pins.length > 0 ? { nodeFingerprints: pins } : {}),
      });
      console.log(`enrolled as agent ${e.agentId} (team ${e.teamId}); credentials in ${credentialsPath(dataDir)}`);
      return 0;
    } catch (err) {
      lastError = err;
      // A refused token will be refused everywhere; only an unreachable node is worth the next URL.
      if (!isNgError(err) || err.code !== 'NG_UNAVAILABLE') break;
    }
  }
  console.error(`enrollment failed: ${isNgError(lastError) ? `${lastError.code}: ${lastError.message}` : String(lastError)}`);
  return 1;
}

async function cmdRun(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' }, 'http-port': { type: 'string' }, 'https-port': { type: 'string' }, 'status-port': { type: 'string' },
      listen: { type: 'string' }, 'metrics-port': { type: 'string' }, 'heartbeat-ms': { type: 'string' }, 'nginx-prefix': { type: 'string' },
      'min-backoff-ms': { type: 'string' }, 'telemetry-bucket-ms': { type: 'string' }, 'drift-check-ms': { type: 'string' },
    },
  });
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const render: RenderOptions = {
    ...DEFAULT_RENDER_OPTIONS,
    generatorVersion: `netgoat-agent ${AGENT_VERSION}`,
    listenAddress: values.listen ?? null,
    httpPort: int(values['http-port'], 80, 'http-port'),
    httpsPort: int(values['https-port'], 443, 'https-port'),
    statusPort: int(values['status-port'], 8089, 'status-port'),
  };
  const metrics = new AgentMetrics();
  const prefix = values['nginx-prefix'] ?? join(dataDir, 'nginx');
  const driftCheckMs = Number(values['drift-check-ms'] ?? 30_000);
  if (!Number.isInteger(driftCheckMs) || driftCheckMs < 100 || driftCheckMs > 86_400_000) throw new Error(`--drift-check-ms must be 100..86400000 (got ${values['drift-check-ms']})`);
  const target = new NginxTarget({ prefix, certDir: join(dataDir, 'certs'), render, watchdog: { driftIntervalMs: driftCheckMs } });
  target.onEvent((e) => {
    // What the watchdog did, for the operator reading the agent's log; apply phases are reported to the node.
    if (e.type === 'nginx_down') log('nginx is down; restarting it on the last good tree', { masterPid: e.masterPid });
    else if (e.type === 'nginx_up') log('nginx is running', { masterPid: e.masterPid });
    else if (e.type === 'nginx_restart_failed') log('nginx restart failed', { attempt: e.attempt, message: e.message, retryInMs: e.retryInMs });
    else if (e.type === 'drift_found') log('configuration files changed outside the agent', { changed: e.changed, added: e.added, removed: e.removed });
    else if (e.type === 'drift_restored') log('configuration restored after drift', { ok: e.report.ok, error: e.report.error?.message ?? null });
  });
  const bucketMs = Number(values['telemetry-bucket-ms'] ?? 60_000);
  if (!Number.isInteger(bucketMs) || bucketMs < 1_000 || bucketMs > 3_600_000) throw new Error(`--telemetry-bucket-ms must be 1000..3600000 (got ${values['telemetry-bucket-ms']})`);
  let agent: Agent | null = null;
  // Buckets are stamped with the config version nginx served while they filled.
  const telemetry = new AgentTelemetry({ dbPath: join(dataDir, 'telemetry.journal'), bucketMs, configVersion: () => agent?.applied.version ?? null });
  agent = new Agent({
    dataDir, target, metrics, log,
    telemetry: { source: telemetry, logPath: join(prefix, render.accessLogPath) },
    heartbeatMs: Number(values['heartbeat-ms'] ?? 10_000),
    ...(values['min-backoff-ms'] ? { minBackoffMs: Number(values['min-backoff-ms']) } : {}),
  });
  const metricsPort = await metrics.listen(int(values['metrics-port'], 9464, 'metrics-port'));
  log('agent starting', { dataDir, metricsPort, applied: agent.applied });
  await agent.start();
  log('agent running', { applied: agent.applied });
  await new Promise<void>((resolve) => {
    const quit = (signal: string) => {
      log('agent stopping; nginx keeps serving', { signal });
      resolve();
    };
    process.once('SIGTERM', () => quit('SIGTERM'));
    process.once('SIGINT', () => quit('SIGINT'));
  });
  // nginx is left running on purpose: the edge keeps serving while the agent restarts or upgrades.
  await agent.stop();
  await metrics.close();
  return 0;
}

function cmdStatus(args: string[]): number {
  const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' } } });
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const creds = readCredentials(credentialsPath(dataDir));
  const path = statusPath(dataDir);
  const status = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as AgentStatusFile) : null;
  console.log(JSON.stringify({ teamId: creds.teamId, nodeUrls: creds.nodeUrls, keyId: creds.keys[0]!.kid, ...(status ?? { agentId: creds.agentId, link: 'never ran' }) }, null, 2));
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'enroll') return await cmdEnroll(rest);
    if (command === 'run') return await cmdRun(rest);
    if (command === 'status') return cmdStatus(rest);
    console.error(USAGE);
    return 2;
  } catch (err) {
    console.error(isNgError(err) ? `${err.code}: ${err.message}` : (err as Error).message);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
