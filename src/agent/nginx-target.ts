// Desired state → nginx: render the domains that changed (SiteRenders), write certificates (0600,
// named by content), and hand the files to the apply pipeline (test, swap, reload, verify, roll
// back). A state that does not render is refused here and never reaches nginx. A watchdog keeps
// nginx running and its tree as applied.

import { monotonicMs } from './monotonic';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkRenderOptions, requiredDirectories, STATUS_PATH, type RenderOptions, type SiteInput } from '../core/nginx/index';
import type { DesiredEntry } from '../core/desired/index';
import type { ApplyReport, NginxStatus } from '../shared/wire/agent';
import type { ApplyTarget } from './apply-target';
import { ManagedNginx } from './nginx/managed-nginx';
import { NginxApplier } from './nginx/applier';
import { NginxWatchdog, type WatchdogOptions } from './nginx/watchdog';
import type { NginxApplyReport, NginxEventListener, NginxFile } from './nginx/types';
import { SiteRenders } from './site-renders';
import { readStubStatus } from './stub-status';

export interface NginxTargetOptions {
  /** The managed nginx prefix (configuration trees, logs, pid, cache). */
  prefix: string;
  /** Where certificate files go, outside the nginx trees (0700 folder, 0600 files). */
  certDir: string;
  render: RenderOptions;
  watchdog?: WatchdogOptions;
}

export class NginxTarget implements ApplyTarget {
  private readonly applier: NginxApplier;
  private readonly nginx: ManagedNginx;
  private readonly watchdog: NginxWatchdog;
  private readonly renders: SiteRenders;
  private readonly statusUrl: string;
  /** The state nginx serves, as last verified: drift repair renders it again. */
  private good: ReadonlyMap<string, DesiredEntry> | null = null;

  constructor(private readonly opts: NginxTargetOptions) {
    checkRenderOptions(opts.render);
    this.nginx = new ManagedNginx({ prefix: opts.prefix, errorLogPath: opts.render.errorLogPath, pidPath: opts.render.pidPath, directories: requiredDirectories(opts.render) });
    this.statusUrl = `http://127.0.0.1:${opts.render.statusPort}${STATUS_PATH}`;
    this.renders = new SiteRenders(opts.render, (e) => this.site(e));
    this.applier = new NginxApplier({ controller: this.nginx, probeUrl: this.statusUrl, rerender: () => this.goodFiles() });
    this.watchdog = new NginxWatchdog(this.applier, opts.watchdog);
    mkdirSync(opts.certDir, { recursive: true, mode: 0o700 });
  }

  async start(entries: ReadonlyMap<string, DesiredEntry>, meta: { version: number; checksum: string }): Promise<ApplyReport> {
    const report = await this.run(entries, meta, (files, m) => this.applier.start(files, m));
    // Watched from here on even if the start failed: the watchdog retries with backoff.
    this.watchdog.start();
    return report;
  }

  apply(entries: ReadonlyMap<string, DesiredEntry>, meta: { version: number; checksum: string }): Promise<ApplyReport> {
    return this.run(entries, meta, (files, m) => this.applier.apply(files, m));
  }

  status(): Promise<NginxStatus> {
    return readStubStatus(this.statusUrl);
  }

  /** nginx going down or up, restarts, drift found and restored, apply phases. */
  onEvent(listener: NginxEventListener): () => void {
    return this.applier.onEvent(listener);
  }

  /** The applier's housekeeping after an apply is done (its folders pruned, the spare generation linked). */
  settled(): Promise<void> {
    return this.applier.idle();
  }

  /** Stops watching; nginx itself keeps serving (the agent may be restarting or upgrading). */
  async stop(): Promise<void> {
    await this.watchdog.stop();
    await this.settled();
  }

  private async run(
    entries: ReadonlyMap<string, DesiredEntry>,
    meta: { version: number; checksum: string },
    go: (files: NginxFile[], m: { version: number; checksum: string; domains: string[] }) => Promise<NginxApplyReport>,
  ): Promise<ApplyReport> {
    const started = monotonicMs();
    const rendered = this.renders.render(entries);
    if (!rendered.ok) {
      const { error } = rendered;
      return { ok: false, code: 'NG_VALIDATION', message: `${error.path.join('.')}: ${error.message}`, domainId: error.domainId, durationMs: monotonicMs() - started, rolledBack: false };
    }
    const r = await go(rendered.files, { ...meta, domains: [...entries.keys()] });
    if (r.ok) {
      this.good = entries;
      this.pruneCertificates(rendered.certFiles);
    }
    return {
      ok: r.ok, code: r.error?.code ?? null, message: r.error?.message ?? null, domainId: r.error?.domainId ?? null,
      // From the desired state in: rendering is part of what an apply costs.
      durationMs: monotonicMs() - started, rolledBack: r.rolledBack,
    };
  }

  private goodFiles(): readonly NginxFile[] {
    const rendered = this.good ? this.renders.render(this.good) : null;
    if (!rendered?.ok) throw new Error('the last good state no longer renders');
    return rendered.files;
  }

  private site(e: DesiredEntry): SiteInput {
    const d = e.domain;
    let certificate: SiteInput['certificate'] = null;
    if (d.certificate) {
      // Named by content: a new certificate never overwrites the files the running (or rollback) tree uses.
      const stem = `${d.domainId}-${createHash('sha256').update(d.certificate.chainPem).update('\0').update(d.certificate.keyPem).digest('hex').slice(0, 16)}`;
      const certPath = resolve(join(this.opts.certDir, `${stem}.crt`));
      const keyPath = resolve(join(this.opts.certDir, `${stem}.key`));
      writePrivate(certPath, d.certificate.chainPem);
      writePrivate(keyPath, d.certificate.keyPem);
      certificate = { certPath, keyPath };
    }
    return { domainId: d.domainId, hostname: d.hostname, tls: d.tls, wafEnabled: d.wafEnabled, proxy: d.proxy, certificate };
  }

  /**
   * Once nginx runs the new state, keys of domains it no longer serves with TLS are removed: a
   * deleted certificate's key must not linger on the edge. Not before: a rollback still needs them.
   */
  private pruneCertificates(kept: ReadonlySet<string>): void {
    for (const name of readdirSync(this.opts.certDir)) {
      const path = resolve(join(this.opts.certDir, name));
      if (!kept.has(path)) rmSync(path, { force: true });
    }
  }
}

/** Written whole under a temporary name, then renamed: nginx never reads half a key, and the file is 0600 from its first byte. */
function writePrivate(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}
