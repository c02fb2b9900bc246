// The apply pipeline: staged tree → nginx -t → atomic swap → graceful reload → verify, and on any
// failure after the swap: restore the previous tree, reload, verify, report. Applies run one at a
// time; while one runs, only the newest request waits (older ones are superseded), and reloads
// are at least minReloadIntervalMs apart.

import { monotonicMs } from '../monotonic';
import { NgError } from '../../shared/errors';
import type { NginxController } from './controller';
import { NginxEvents } from './events';
import type { Manifest } from './generations';
import { blame, seriousLines } from './nginx-messages';
import { Mutex } from './mutex';
import { lastCreatedPid } from './processes';
import type { ApplyError, ApplyErrorCode, ApplyMeta, ApplyPhase, DriftReport, NginxApplyReport, NginxEventListener, NginxFile, PhaseMark } from './types';
import { logSize, probe, verifyReload } from './verify';
import type { VerifyResult } from './verify';

export interface ApplierOptions {
  controller: NginxController;
  /** A local URL nginx must answer 200 on after every reload, e.g. the stub_status location. */
  probeUrl: string;
  minReloadIntervalMs?: number;
  /** How long a reload may take to bring up new workers. */
  verifyTimeoutMs?: number;
  /**
   * Produces the files of the last good state again, for drift repair. Without it the applier
   * keeps the text of the last good tree itself (about 1 MB for 1000 sites).
   */
  rerender?: () => readonly NginxFile[];
}

interface Job {
  files: readonly NginxFile[];
  meta: ApplyMeta;
  resolve: (report: NginxApplyReport) => void;
}

interface GoodTree {
  gen: number;
  manifest: Manifest;
  /** Its files, for drift repair; null when `rerender` produces them instead. */
  files: readonly NginxFile[] | null;
  meta: ApplyMeta;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const asFailure = (e: unknown): VerifyResult => ({ ok: false, message: e instanceof Error ? e.message : String(e), nginxLines: [] });
const copyFiles = (files: readonly NginxFile[]): NginxFile[] => files.map((f) => ({ ...f }));
const round = (ms: number): number => Math.round(ms * 100) / 100;

/** A phase timeline that also publishes each phase as it is reached. */
class Timeline {
  readonly marks: PhaseMark[] = [];
  private readonly started = monotonicMs();
  private last = this.started;

  constructor(
    private readonly events: NginxEvents,
    private readonly version: number,
  ) {}

  mark(phase: ApplyPhase, error?: ApplyError): void {
    const now = monotonicMs();
    const m: PhaseMark = { phase, at: Date.now(), ms: round(now - this.last) };
    this.last = now;
    this.marks.push(m);
    this.events.emit({ type: 'apply_phase', version: this.version, ...m, ...(error ? { error } : {}) });
  }

  elapsed(): number {
    return round(monotonicMs() - this.started);
  }
}

export class NginxApplier {
  readonly events = new NginxEvents();
  readonly controller: NginxController;
  private readonly probeUrl: string;
  private readonly minReloadIntervalMs: number;
  private readonly verifyTimeoutMs: number;
  private readonly rerender: (() => readonly NginxFile[]) | null;
  private readonly mutex = new Mutex();
  private good: GoodTree | null = null;
  private pending: Job | null = null;
  private draining: Promise<void> | null = null;
  private lastReloadAt = 0;
  /** Generations to keep at the next clean-up; removing a tree of 1000 files is not worth delaying a report for. */
  private keep: Set<number> | null = null;

  constructor(opts: ApplierOptions) {
    this.controller = opts.controller;
    this.probeUrl = opts.probeUrl;
    this.minReloadIntervalMs = opts.minReloadIntervalMs ?? 250;
    this.verifyTimeoutMs = opts.verifyTimeoutMs ?? 10_000;
    this.rerender = opts.rerender ?? null;
  }

  onEvent(listener: NginxEventListener): () => void {
    return this.events.on(listener);
  }

  /** What nginx serves now, as far as this applier verified it. */
  applied(): { version: number; checksum: string; generation: number } | null {
    return this.good ? { version: this.good.meta.version, checksum: this.good.meta.checksum, generation: this.good.gen } : null;
  }

  /**
   * Brings nginx up with files (the last good tree from the agent's cache, or a first render).
   * A master already running from our pid file is adopted and reloaded instead.
   */
  async start(files: readonly NginxFile[], meta: ApplyMeta): Promise<NginxApplyReport> {
    await this.controller.generations.init();
    if (await this.controller.running()) return this.apply(files, meta);
    const report = await this.mutex.run(() => this.coldStart(copyFiles(files), { ...meta, domains: [...meta.domains] }));
    await this.mutex.run(() => this.cleanUp());
    return report;
  }

  /** Queues files for applying; resolves when they were applied, refused, rolled back or superseded. */
  apply(files: readonly NginxFile[], meta: ApplyMeta): Promise<NginxApplyReport> {
    return new Promise((resolve) => {
      if (this.pending) this.pending.resolve(this.superseded(this.pending.meta, meta.version));
      // A private copy: the caller may reuse its array, and the last good tree must not change under us.
      this.pending = { files: copyFiles(files), meta: { ...meta, domains: [...meta.domains] }, resolve };
      this.draining ??= this.drain().finally(() => (this.draining = null));
    });
  }

  /** Resolves once no apply is queued or running. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
    await this.mutex.run(async () => undefined);
    await this.controller.generations.settled();
  }

  /**
   * Compares the live tree with the last good manifest. Drift is reported (drift_found) and
   * repaired by re-applying the last good files, unless a newer apply is already queued.
   */
  async checkDrift(): Promise<DriftReport | null> {
    const found = await this.mutex.run(async () => (this.good ? this.controller.generations.drift(this.good.manifest) : null));
    if (!found || found.changed.length + found.added.length + found.removed.length === 0) return found;
    this.events.emit({ type: 'drift_found', at: Date.now(), ...found });
    const good = this.good;
    if (good && !this.pending) {
      const report = await this.apply(good.files ?? this.rerender!(), good.meta);
      this.events.emit({ type: 'drift_restored', at: Date.now(), report });
    }
    return found;
  }

  /**
   * Starts a master that died, on the last good tree (the live link may point at a tree whose
   * apply was cut short). The watchdog calls this.
   */
  recover(): Promise<void> {
    return this.mutex.run(async () => {
      const gens = this.controller.generations;
      if (this.good && (await gens.live()) !== this.good.gen) await gens.swap(this.good.gen);
      await this.controller.start();
      this.lastReloadAt = Date.now();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const job = this.pending;
      this.pending = null;
      const report = await this.mutex.run(() => this.run(job.files, job.meta)).catch((e: unknown) => this.crashed(job.meta, e));
      job.resolve(report);
      await this.mutex.run(() => this.cleanUp()).catch(() => undefined);
    }
  }

  private pruneLater(keep: (number | null | undefined)[]): void {
    this.keep = new Set(keep.filter((g): g is number => typeof g === 'number'));
  }

  /**
   * Removes the generations no longer needed (everything but the live tree and the one before it)
   * and links the next generation from the last good tree, so the next apply writes only what changed.
   */
  private async cleanUp(): Promise<void> {
    const gens = this.controller.generations;
    const keep = this.keep;
    this.keep = null;
    if (keep) await gens.prune(keep);
    if (this.good && (await gens.live()) === this.good.gen) await gens.prepareSpare(this.good);
  }

  /** The staged tree serves and passed verification: it becomes the last good tree. */
  private verified(t: Timeline, staged: { gen: number; manifest: Manifest }, previous: number | null, files: readonly NginxFile[], meta: ApplyMeta): NginxApplyReport {
    t.mark('verified');
    this.good = { gen: staged.gen, manifest: staged.manifest, files: this.rerender ? null : files, meta };
    this.pruneLater([staged.gen, previous]);
    return this.report(meta, t, staged.gen, false);
  }

  private report(meta: ApplyMeta, t: Timeline | null, generation: number | null, rolledBack: boolean, error?: ApplyError): NginxApplyReport {
    const report: NginxApplyReport = {
      ok: error === undefined,
      version: meta.version,
      checksum: meta.checksum,
      generation,
      timeline: t ? t.marks : [],
      durationMs: t ? t.elapsed() : 0,
      rolledBack,
      ...(error ? { error } : {}),
    };
    this.events.emit({ type: 'apply_done', report });
    return report;
  }

  private superseded(meta: ApplyMeta, by: number): NginxApplyReport {
    return this.report(meta, null, this.good?.gen ?? null, false, {
      code: 'NG_APPLY_SUPERSEDED',
      message: `version ${meta.version} was replaced by version ${by} before it was applied`,
    });
  }

  private crashed(meta: ApplyMeta, e: unknown): NginxApplyReport {
    const code: ApplyErrorCode = e instanceof NgError && (e.code === 'NG_NGINX_DOWN' || e.code === 'NG_NGINX_INVALID') ? e.code : 'NG_INTERNAL';
    return this.report(meta, null, this.good?.gen ?? null, false, { code, message: e instanceof Error ? e.message : String(e) });
  }

  /** nginx's refusal of a staged tree, with the file and domain it blames. */
  private invalid(stderr: string, treeRoots: string[], meta: ApplyMeta): ApplyError {
    const lines = seriousLines(stderr);
    const message = lines.length > 0 ? lines.join('\n') : stderr.trim() || 'nginx -t failed without a message';
    return { code: 'NG_NGINX_INVALID', message, ...blame(lines, treeRoots, meta.domains) };
  }

  private async stage(files: readonly NginxFile[], t: Timeline, meta: ApplyMeta): Promise<{ gen: number; dir: string; manifest: Manifest } | ApplyError> {
    const gens = this.controller.generations;
    const live = await gens.live();
    const base = this.good && this.good.gen === live ? this.good : null;
    const staged = await gens.stage(files, base);
    t.mark('staged');
    const tested = await this.controller.test(staged.dir);
    if (!tested.ok) {
      this.pruneLater([live, this.good?.gen]);
      return this.invalid(tested.stderr, [staged.dir], meta);
    }
    t.mark('tested');
    return staged;
  }

  private async coldStart(files: readonly NginxFile[], meta: ApplyMeta): Promise<NginxApplyReport> {
    const gens = this.controller.generations;
    const t = new Timeline(this.events, meta.version);
    const previous = await gens.live();
    const staged = await this.stage(files, t, meta);
    if ('code' in staged) {
      t.mark('failed', staged);
      // Serve the tree that was live before, if there is one: the agent's last good state.
      if (previous !== null) await this.controller.start().catch(() => undefined);
      return this.report(meta, t, previous, false, staged);
    }
    await gens.swap(staged.gen);
    t.mark('swapped');
    try {
      await this.controller.start();
      this.lastReloadAt = Date.now();
      t.mark('reloaded');
      const answer = await probe(this.probeUrl);
      if (!answer.ok) throw new NgError('NG_NGINX_DOWN', answer.detail);
    } catch (e) {
      const error: ApplyError = { code: 'NG_NGINX_DOWN', message: e instanceof Error ? e.message : String(e) };
      t.mark('failed', error);
      if (previous === null) return this.report(meta, t, staged.gen, false, error);
      t.mark('rolling_back');
      await this.controller.stop();
      await gens.swap(previous);
      await this.controller.start().catch(() => undefined);
      const back = (await this.controller.status()).running;
      if (back) t.mark('rolled_back');
      return this.report(meta, t, previous, back, error);
    }
    return this.verified(t, staged, previous, files, meta);
  }

  /** A graceful reload and its verification; the error log is judged only when asked to. */
  private async reloadAndVerify(judgeLog: boolean, t: Timeline | null): Promise<VerifyResult> {
    const status = await this.controller.status();
    if (!status.running || status.masterPid === null) throw new NgError('NG_NGINX_DOWN', 'nginx is not running; the watchdog restarts it with the last good tree');
    const window = {
      masterPid: status.masterPid,
      workersBefore: new Set(status.workerPids),
      logOffset: judgeLog ? await logSize(this.controller.errorLog) : null,
      pidMark: lastCreatedPid(),
    };
    await this.controller.reload();
    this.lastReloadAt = Date.now();
    t?.mark('reloaded');
    return verifyReload(this.controller, window, this.probeUrl, this.verifyTimeoutMs);
  }

  private async run(files: readonly NginxFile[], meta: ApplyMeta): Promise<NginxApplyReport> {
    const gens = this.controller.generations;
    const t = new Timeline(this.events, meta.version);
    const previous = await gens.live();
    const staged = await this.stage(files, t, meta);
    if ('code' in staged) {
      t.mark('failed', staged);
      return this.report(meta, t, previous, false, staged);
    }
    const wait = this.lastReloadAt + this.minReloadIntervalMs - Date.now();
    if (wait > 0) {
      await sleep(wait);
      if (this.pending) {
        this.pruneLater([previous, this.good?.gen]);
        return this.superseded(meta, this.pending.meta.version);
      }
    }
    if (!(await this.controller.running())) {
      const error: ApplyError = { code: 'NG_NGINX_DOWN', message: 'nginx is not running; the watchdog restarts it with the last good tree' };
      t.mark('failed', error);
      this.pruneLater([previous, this.good?.gen]);
      return this.report(meta, t, previous, false, error);
    }

    await gens.swap(staged.gen);
    t.mark('swapped');
    const first = await this.reloadAndVerify(true, t).catch(asFailure);
    if (first.ok) return this.verified(t, staged, previous, files, meta);

    const error: ApplyError = {
      code: 'NG_NGINX_RELOAD_FAILED',
      message: first.message,
      ...blame(first.nginxLines, [gens.liveLink, staged.dir], meta.domains),
    };
    t.mark('failed', error);
    if (previous === null) return this.report(meta, t, staged.gen, false, error);
    t.mark('rolling_back');
    await gens.swap(previous);
    // A failed reload may still be logging (nginx retries a busy port for seconds): the
    // rollback is judged by new workers and the probe, not by that log.
    const back = await this.reloadAndVerify(false, null).catch(asFailure);
    if (!back.ok) {
      const worse: ApplyError = { ...error, message: `${error.message}\nrollback to generation ${previous} did not verify: ${back.message}` };
      t.mark('failed', worse);
      return this.report(meta, t, previous, false, worse);
    }
    t.mark('rolled_back');
    this.pruneLater([previous, this.good?.gen]);
    return this.report(meta, t, previous, true, error);
  }
}
