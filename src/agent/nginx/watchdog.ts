// Keeps nginx alive and its tree honest: a master that died is restarted on the last good tree
// (with backoff), orphaned workers are told to quit first so the ports free up, and the live tree
// is checked against the last good manifest every so often.

import type { NginxApplier } from './applier';
import { activeWorkers, processTitle } from './processes';

const WORKER_LIST_MAX_AGE_MS = 30_000;

export interface WatchdogOptions {
  /** How often the master is checked. */
  checkIntervalMs?: number;
  /** How often the live tree is compared with the last good manifest (0: never by timer). */
  driftIntervalMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export class NginxWatchdog {
  private readonly applier: NginxApplier;
  private readonly checkIntervalMs: number;
  private readonly driftIntervalMs: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private driftTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastMaster: number | null = null;
  private lastWorkers: number[] = [];
  private workersListedAt = 0;
  private down = false;
  private attempts = 0;
  private retryAt = 0;

  constructor(applier: NginxApplier, opts: WatchdogOptions = {}) {
    this.applier = applier;
    this.checkIntervalMs = opts.checkIntervalMs ?? 1_000;
    this.driftIntervalMs = opts.driftIntervalMs ?? 30_000;
    this.backoffInitialMs = opts.backoffInitialMs ?? 250;
    this.backoffMaxMs = opts.backoffMaxMs ?? 30_000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.checkIntervalMs);
    // A reload replaces the workers: list the new ones at once. Waiting for the next check would
    // leave a window (and after a rollback to the same tree, 30 s) in which a master killed would
    // leave workers nobody tells to quit, holding the ports the restart needs.
    this.unsubscribe = this.applier.onEvent((e) => {
      if (e.type === 'apply_done') void this.listWorkers();
    });
    if (this.driftIntervalMs > 0) this.driftTimer = setInterval(() => void this.applier.checkDrift().catch(() => undefined), this.driftIntervalMs);
  }

  /** Stops checking and waits for a restart in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.driftTimer) clearInterval(this.driftTimer);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.timer = null;
    this.driftTimer = null;
    await this.running;
  }

  private tick(): void {
    this.running ??= this.check().finally(() => (this.running = null));
  }

  private async check(): Promise<void> {
    const events = this.applier.events;
    const controller = this.applier.controller;
    const master = await controller.master();
    if (master !== null) {
      if (this.down || this.lastMaster !== master) {
        if (this.down) events.emit({ type: 'nginx_up', masterPid: master, at: Date.now() });
        this.down = false;
        this.attempts = 0;
      }
      // The workers matter only once their master has died (they keep its ports). Listing them scans
      // all of /proc, so that is done when they may have changed: a new master, each apply (see
      // start: every reload goes through one), and now and then for a worker the master respawned.
      if (master !== this.lastMaster || Date.now() - this.workersListedAt > WORKER_LIST_MAX_AGE_MS) this.listWorkersOf(master);
      this.lastMaster = master;
      return;
    }
    if (!this.down) {
      this.down = true;
      this.retryAt = 0;
      events.emit({ type: 'nginx_down', masterPid: this.lastMaster, at: Date.now() });
    }
    if (Date.now() < this.retryAt) return;
    this.quitOrphans();
    try {
      await this.applier.recover();
    } catch (e) {
      this.attempts++;
      const retryInMs = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** (this.attempts - 1));
      this.retryAt = Date.now() + retryInMs;
      events.emit({ type: 'nginx_restart_failed', attempt: this.attempts, message: e instanceof Error ? e.message : String(e), retryInMs, at: Date.now() });
    }
  }

  /** The running master's workers, remembered for the day it dies. */
  private async listWorkers(): Promise<void> {
    const master = await this.applier.controller.master();
    if (master !== null) this.listWorkersOf(master);
  }

  private listWorkersOf(master: number): void {
    this.lastWorkers = activeWorkers(master);
    this.workersListedAt = Date.now();
  }

  /** Workers outlive a killed master and keep its ports; a graceful quit closes those at once. */
  private quitOrphans(): void {
    for (const pid of this.lastWorkers) {
      if (processTitle(pid)?.startsWith('nginx: worker process')) {
        try {
          process.kill(pid, 'SIGQUIT');
        } catch {
          /* already gone */
        }
      }
    }
    this.lastWorkers = [];
  }
}
