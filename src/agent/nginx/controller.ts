// One interface over the two ways the agent runs nginx: its own daemon under a private prefix
// (managed) or the host's nginx with an include folder Netgoat owns (system). Both are daemons
// with a pid file, so reload, status, watchdog and adoption after an agent restart work alike.

import { existsSync, promises as fs } from 'node:fs';
import { NgError } from '../../shared/errors';
import type { Generations } from './generations';
import { seriousLines } from './nginx-messages';
import { activeWorkers, processState, readPidFile, runNginx } from './processes';
import type { NginxProcessStatus } from './types';

export interface NginxController {
  readonly mode: 'managed' | 'system';
  /** Where the configuration trees live and which one is live. */
  readonly generations: Generations;
  /** The error log the running master writes to (absolute). */
  readonly errorLog: string;
  /** Starts the master unless one already runs from our pid file (then it is adopted). */
  start(): Promise<void>;
  /** `nginx -t` against a configuration that includes the staged tree dir instead of the live one. */
  test(stagedDir: string): Promise<{ ok: boolean; stderr: string }>;
  /** Graceful reload: SIGHUP to the master. */
  reload(): Promise<void>;
  /** Whether the master runs (cheap: pid file and /proc/PID, no worker scan). */
  running(): Promise<boolean>;
  /** The running master's pid, or null (as cheap as running()). */
  master(): Promise<number | null>;
  status(): Promise<NginxProcessStatus>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The usual places of Debian's binary. */
export function defaultNginxBin(): string {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) if (existsSync(p)) return p;
  return 'nginx';
}

export abstract class DaemonNginx implements NginxController {
  abstract readonly mode: 'managed' | 'system';
  readonly generations: Generations;
  readonly errorLog: string;
  protected readonly bin: string;
  protected readonly pidFile: string;

  constructor(opts: { bin: string; pidFile: string; errorLog: string; generations: Generations }) {
    this.bin = opts.bin;
    this.pidFile = opts.pidFile;
    this.errorLog = opts.errorLog;
    this.generations = opts.generations;
  }

  protected abstract startArgs(): string[];
  abstract test(stagedDir: string): Promise<{ ok: boolean; stderr: string }>;

  /** Folders that must exist before the master starts. */
  protected async prepare(): Promise<void> {}

  protected async masterPid(): Promise<number | null> {
    const pid = await readPidFile(this.pidFile);
    return pid !== null && processState(pid) === 'running' ? pid : null;
  }

  async start(): Promise<void> {
    if ((await this.masterPid()) !== null) return;
    await this.prepare();
    await fs.rm(this.pidFile, { force: true });
    const { code, stderr } = await runNginx(this.bin, this.startArgs());
    if (code !== 0) {
      const lines = seriousLines(stderr);
      throw new NgError('NG_NGINX_DOWN', `nginx did not start: ${(lines.length > 0 ? lines.join('\n') : stderr.trim()) || `exit code ${code}`}`);
    }
    // The daemon writes its pid file just after forking away from the process that exited.
    const deadline = Date.now() + 5_000;
    for (;;) {
      const pid = await this.masterPid();
      if (pid !== null && activeWorkers(pid).length > 0) return;
      if (Date.now() > deadline) throw new NgError('NG_NGINX_DOWN', `nginx started but no master with workers appeared (pid file ${this.pidFile})`);
      await sleep(10);
    }
  }

  async reload(): Promise<void> {
    const pid = await this.masterPid();
    if (pid === null) throw new NgError('NG_NGINX_DOWN', `nginx is not running (no live master in ${this.pidFile})`);
    process.kill(pid, 'SIGHUP');
  }

  async running(): Promise<boolean> {
    return (await this.masterPid()) !== null;
  }

  master(): Promise<number | null> {
    return this.masterPid();
  }

  async status(): Promise<NginxProcessStatus> {
    const pid = await this.masterPid();
    return { running: pid !== null, masterPid: pid, workerPids: pid === null ? [] : activeWorkers(pid), generation: await this.generations.live() };
  }

  /** Fast shutdown (SIGTERM), escalating to SIGKILL when the master lingers. */
  async stop(): Promise<void> {
    const pid = await this.masterPid();
    if (pid === null) return;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (processState(pid) === 'running') {
      if (Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
        break;
      }
      await sleep(20);
    }
  }
}
