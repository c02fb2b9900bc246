// Desired state → nginx: render with core's renderer, write certificates (0600), and hand the files
// to the apply pipeline (test, swap, reload, verify, roll back). A state that does not render is
// refused here and never reaches nginx.

import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderAll, requiredDirectories, STATUS_PATH, type RenderOptions, type SiteInput } from '../core/nginx/index';
import type { DesiredEntry } from '../core/desired/index';
import type { ApplyReport, NginxStatus } from '../shared/wire/agent';
import type { ApplyTarget } from './apply-target';
import { ManagedNginx } from './nginx/managed-nginx';
import { NginxApplier } from './nginx/applier';
import type { NginxApplyReport } from './nginx/types';
import { readStubStatus } from './stub-status';

export interface NginxTargetOptions {
  /** The managed nginx prefix (configuration trees, logs, pid, cache). */
  prefix: string;
  /** Where certificate files go, outside the nginx trees (0700 folder, 0600 files). */
  certDir: string;
  render: RenderOptions;
}

export class NginxTarget implements ApplyTarget {
  private readonly applier: NginxApplier;
  private readonly nginx: ManagedNginx;
  private readonly statusUrl: string;

  constructor(private readonly opts: NginxTargetOptions) {
    this.nginx = new ManagedNginx({ prefix: opts.prefix, errorLogPath: opts.render.errorLogPath, pidPath: opts.render.pidPath, directories: requiredDirectories(opts.render) });
    this.statusUrl = `http://127.0.0.1:${opts.render.statusPort}${STATUS_PATH}`;
    this.applier = new NginxApplier({ controller: this.nginx, probeUrl: this.statusUrl });
    mkdirSync(opts.certDir, { recursive: true, mode: 0o700 });
  }

  start(entries: ReadonlyMap<string, DesiredEntry>, meta: { version: number; checksum: string }): Promise<ApplyReport> {
    return this.run(entries, meta, (files, m) => this.applier.start(files, m));
  }

  apply(entries: ReadonlyMap<string, DesiredEntry>, meta: { version: number; checksum: string }): Promise<ApplyReport> {
    return this.run(entries, meta, (files, m) => this.applier.apply(files, m));
  }

  status(): Promise<NginxStatus> {
    return readStubStatus(this.statusUrl);
  }

  private async run(
    entries: ReadonlyMap<string, DesiredEntry>,
    meta: { version: number; checksum: string },
    go: (files: { path: string; content: string }[], m: { version: number; checksum: string; domains: string[] }) => Promise<NginxApplyReport>,
  ): Promise<ApplyReport> {
    const started = performance.now();
    const sites = [...entries.values()].map((e) => this.site(e));
    const rendered = renderAll(sites, this.opts.render);
    if (!rendered.ok) {
      const first = rendered.errors[0]!;
      return { ok: false, code: 'NG_VALIDATION', message: `${first.path.join('.')}: ${first.message}`, domainId: first.domainId, durationMs: performance.now() - started, rolledBack: false };
    }
    const r = await go(rendered.files, { ...meta, domains: [...entries.keys()] });
    return {
      ok: r.ok, code: r.error?.code ?? null, message: r.error?.message ?? null, domainId: r.error?.domainId ?? null,
      durationMs: r.durationMs, rolledBack: r.rolledBack,
    };
  }

  private site(e: DesiredEntry): SiteInput {
    const d = e.domain;
    let certificate: SiteInput['certificate'] = null;
    if (d.certificate) {
      const certPath = resolve(join(this.opts.certDir, `${d.domainId}.crt`));
      const keyPath = resolve(join(this.opts.certDir, `${d.domainId}.key`));
      writeFileSync(certPath, d.certificate.chainPem, { mode: 0o600 });
      writeFileSync(keyPath, d.certificate.keyPem, { mode: 0o600 });
      chmodSync(keyPath, 0o600);
      certificate = { certPath, keyPath };
    }
    return { domainId: d.domainId, hostname: d.hostname, tls: d.tls, wafEnabled: d.wafEnabled, proxy: d.proxy, certificate };
  }
}
