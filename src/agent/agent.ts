// The agent process's heart: keeps the last good desired state (cache.ts), applies what the node
// pushes — only after checking it rebuilds to the announced checksum — and reports every outcome.
// Without a node it keeps serving the cached state (island mode) and reconciles on reconnect.

import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { applyDiff, checksumsOf, entryOf, stateChecksum, type DesiredEntry } from '../core/desired/index';
import type { AgentBody, ApplyReport, DesiredDomain, NodeBody } from '../shared/wire/agent';
import { AgentCache, type AppliedState } from './cache';
import { readCredentials, writeCredentials, type Credentials } from './credentials';
import { AgentLink, type LinkState } from './link';
import type { ApplyTarget } from './apply-target';
import type { AgentMetrics } from './metrics';
import { hostMetrics } from './host-metrics';
import { releaseApplyGarbage } from './idle-heap';
import type { AgentTelemetry } from './telemetry/agent-telemetry';
import { TelemetryShipper } from './telemetry-shipper';

export const AGENT_VERSION = '0.1.0';

export interface AgentOptions {
  dataDir: string;
  target: ApplyTarget;
  metrics?: AgentMetrics;
  heartbeatMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Edge telemetry: buckets from nginx's access log at `logPath`, shipped over the link when it is idle. */
  telemetry?: { source: AgentTelemetry; logPath: string };
}

/** What `netgoat-agent status` shows; rewritten whenever it changes. */
export interface AgentStatusFile {
  agentId: string;
  link: LinkState;
  node: string | null;
  appliedVersion: number;
  appliedChecksum: string;
  domains: number;
  lastReport: ApplyReport | null;
  nginxUp: boolean;
  updatedAt: number;
}

export const credentialsPath = (dataDir: string): string => join(dataDir, 'credentials.json');
export const cachePath = (dataDir: string): string => join(dataDir, 'applied-state.journal');
export const statusPath = (dataDir: string): string => join(dataDir, 'status.json');

export class Agent {
  private creds: Credentials;
  private readonly cache: AgentCache;
  private state: AppliedState;
  private readonly link: AgentLink;
  private queue: Promise<void> = Promise.resolve();
  /** Pushes received and not yet handled (applied and acknowledged). */
  private pending = 0;
  private readonly shipper: TelemetryShipper | null;
  private heartbeat: NodeJS.Timeout | null = null;
  private lastReport: ApplyReport | null = null;
  private nginxUp = false;
  private readonly log: NonNullable<AgentOptions['log']>;

  constructor(private readonly opts: AgentOptions) {
    this.log = opts.log ?? (() => undefined);
    this.creds = readCredentials(credentialsPath(opts.dataDir));
    this.cache = new AgentCache(cachePath(opts.dataDir));
    this.state = this.cache.load();
    this.link = new AgentLink({
      urls: this.creds.nodeUrls,
      pins: this.creds.nodeFingerprints ?? [],
      keys: () => this.creds.keys,
      hello: () => this.hello(),
      // Telemetry acks bypass the apply queue: they must not wait behind an nginx reload either.
      onMessage: (body) => (body.type === 'telemetry_ack' ? this.shipper?.onAck(body) : this.enqueue(body)),
      onState: (state, detail) => {
        opts.metrics?.connected.set(state === 'connected' ? 1 : 0);
        this.log(`link ${state}`, { detail });
        if (state === 'connected') {
          this.shipper?.onConnected();
          void this.sendHeartbeat();
        }
        this.writeStatus();
      },
      onRefused: (err) => this.log('node message refused', { code: err.code, message: err.message }),
      ...(opts.minBackoffMs !== undefined ? { minBackoffMs: opts.minBackoffMs } : {}),
      ...(opts.maxBackoffMs !== undefined ? { maxBackoffMs: opts.maxBackoffMs } : {}),
    });
    this.shipper = opts.telemetry ? new TelemetryShipper({
      telemetry: opts.telemetry.source,
      send: (batch) => this.link.send(batch),
      busy: () => this.pending > 0,
      bufferedAmount: () => this.link.bufferedAmount(),
      log: this.log,
    }) : null;
  }

  get applied(): { version: number; checksum: string; domains: number } {
    return { version: this.state.version, checksum: this.state.checksum, domains: this.state.entries.size };
  }

  /** Serves the cached state first (island mode), then links to the cluster. */
  async start(): Promise<void> {
    const report = await this.opts.target.start(this.state.entries, { version: this.state.version, checksum: this.state.checksum });
    if (!report.ok) this.log('cached state did not start cleanly', { ...report });
    this.lastReport = report;
    this.updateGauges();
    this.link.start();
    if (this.opts.telemetry) {
      this.opts.telemetry.source.start(this.opts.telemetry.logPath);
      this.shipper!.start();
    }
    this.heartbeat = setInterval(() => void this.sendHeartbeat(), this.opts.heartbeatMs ?? 10_000);
    this.heartbeat.unref();
    this.writeStatus();
    releaseApplyGarbage();
  }

  /** Stops linking and applying but leaves nginx serving: a restarted agent adopts it. */
  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.shipper?.stop();
    this.link.stop();
    await this.queue;
    // Closes the last slots into the outbox; they ship after the restart.
    this.opts.telemetry?.source.stop();
    await this.opts.target.stop?.();
    this.cache.close();
  }

  private hello(): AgentBody {
    return { type: 'hello', agentId: this.creds.agentId, appliedVersion: this.state.version, appliedChecksum: this.state.checksum, agentVersion: AGENT_VERSION };
  }

  /** Pushes are handled one at a time, in order. */
  private enqueue(body: NodeBody): void {
    this.pending++;
    this.queue = this.queue.then(() => this.handle(body)).catch((e: unknown) => this.log('push handling failed', { error: String(e) })).finally(() => this.pending--);
  }

  private async handle(body: NodeBody): Promise<void> {
    switch (body.type) {
      case 'full':
        this.opts.metrics?.desiredVersion.set(body.version);
        if (body.version < this.state.version) return this.resync('a full state older than the applied one');
        return this.applyState(body.version, body.checksum, new Map(body.domains.map((d) => [d.domainId, entryOf(d)])), null, []);
      case 'diff':
        this.opts.metrics?.desiredVersion.set(body.version);
        if (body.baseChecksum !== this.state.checksum || body.version <= this.state.version) return this.resync('a diff against a base this agent does not hold');
        return this.applyState(body.version, body.checksum, applyDiff(this.state.entries, body), body.upserts, body.removes);
      case 'in_sync':
        if (body.checksum !== this.state.checksum || body.version < this.state.version) return this.resync('an in-sync notice for a state this agent does not hold');
        this.state = { ...this.state, version: body.version };
        this.cache.save(this.state, [], []);
        this.ack(body.version, { ok: true, code: null, message: null, domainId: null, durationMs: 0, rolledBack: false });
        return;
      case 'rekey':
        this.creds = { ...this.creds, keys: [{ kid: body.kid, secret: body.key }, this.creds.keys[0]!] };
        writeCredentials(credentialsPath(this.opts.dataDir), this.creds);
        this.log('session key rotated', { kid: body.kid });
        return;
      case 'error':
        this.log('node refused a message', { code: body.code, message: body.message });
        return;
      case 'telemetry_ack':
        // Handled by the shipper as it arrives (see the constructor), never queued.
        return;
    }
  }

  private resync(why: string): void {
    this.log(`resync: the node sent ${why}`);
    this.link.send(this.hello());
  }

  private async applyState(version: number, checksum: string, entries: Map<string, DesiredEntry>, changed: readonly DesiredDomain[] | null, removed: readonly string[]): Promise<void> {
    // Never apply what cannot be verified: the rebuilt state must hash to what the node announced.
    const actual = stateChecksum(checksumsOf(entries));
    if (actual !== checksum) {
      this.opts.metrics?.failures.inc();
      this.ack(version, { ok: false, code: 'NG_BAD_MESSAGE', message: `the pushed state hashes to ${actual.slice(0, 12)}…, not the announced ${checksum.slice(0, 12)}…; not applied`, domainId: null, durationMs: 0, rolledBack: false });
      return;
    }
    let report: ApplyReport;
    if (checksum === this.state.checksum) {
      report = { ok: true, code: null, message: null, domainId: null, durationMs: 0, rolledBack: false };
    } else {
      const end = this.opts.metrics?.applySeconds.startTimer();
      report = await this.opts.target.apply(entries, { version, checksum });
      end?.();
    }
    if (report.ok) {
      this.state = { version, checksum, entries };
      this.cache.save(this.state, changed, removed);
      this.opts.metrics?.applies.inc();
    } else {
      this.opts.metrics?.failures.inc();
      this.log('apply failed', { version, code: report.code, message: report.message, domainId: report.domainId });
    }
    // Before the ack, so the agent the node sees in sync is the idle one; not while newer pushes wait.
    // After the target's housekeeping: pruning old trees and linking the next one makes garbage too,
    // which would otherwise sit in the old generation until V8's memory reducer runs, seconds later.
    if (this.pending === 1) {
      await this.opts.target.settled?.();
      releaseApplyGarbage();
    }
    this.ack(version, report);
  }

  private ack(version: number, report: ApplyReport): void {
    this.lastReport = report;
    this.updateGauges();
    this.link.send({ type: 'ack', version, appliedVersion: this.state.version, appliedChecksum: this.state.checksum, report });
    this.writeStatus();
  }

  private async sendHeartbeat(): Promise<void> {
    const nginx = await this.opts.target.status();
    this.nginxUp = nginx.up;
    this.opts.metrics?.nginxUp.set(nginx.up ? 1 : 0);
    this.link.send({ type: 'heartbeat', appliedVersion: this.state.version, nginx, host: hostMetrics() });
  }

  private updateGauges(): void {
    this.opts.metrics?.appliedVersion.set(this.state.version);
    this.opts.metrics?.domains.set(this.state.entries.size);
  }

  private writeStatus(): void {
    const status: AgentStatusFile = {
      agentId: this.creds.agentId, link: this.link.state, node: this.link.connectedTo, appliedVersion: this.state.version, appliedChecksum: this.state.checksum,
      domains: this.state.entries.size, lastReport: this.lastReport, nginxUp: this.nginxUp, updatedAt: Date.now(),
    };
    const path = statusPath(this.opts.dataDir);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(status, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  }
}
