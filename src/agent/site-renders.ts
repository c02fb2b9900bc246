// Desired state → nginx files, rendering again only the domains whose entry changed since they were
// last rendered. An unchanged site goes to the apply pipeline by path and hash, with a way to render
// its text again should the file on disk need rewriting (drift), so an apply of one changed domain
// among 1000 renders one site, and the agent holds no site's text between applies.

import { existsSync } from 'node:fs';
import { planSite, renderMainConfig, renderSitePlan, siteConflicts, sitePath, type RenderError, type RenderOptions, type SiteIdentity, type SiteInput } from '../core/nginx/index';
import type { DesiredEntry } from '../core/desired/index';
import type { NginxFile } from './nginx/index';
import { sha256Hex } from './nginx/generations';

/** What one entry rendered to. */
interface RenderedSite extends SiteIdentity {
  /** The entry's checksum: the same checksum renders the same text (certificates are named by content). */
  checksum: string;
  path: string;
  sha256: string;
  /** Certificate and key files the site's text names. */
  certFiles: string[];
}

export type SiteRenderResult = { ok: true; files: NginxFile[]; certFiles: Set<string> } | { ok: false; error: RenderError };

export class SiteRenders {
  private readonly rendered = new Map<string, RenderedSite>();

  /** `site` turns an entry into renderer input, writing its certificate files. */
  constructor(
    private readonly opts: RenderOptions,
    private readonly site: (entry: DesiredEntry) => SiteInput,
  ) {}

  /** The files of a whole state: the main configuration, and one file per domain. */
  render(entries: ReadonlyMap<string, DesiredEntry>): SiteRenderResult {
    const sites: RenderedSite[] = [];
    const files: NginxFile[] = [];
    let firstError: RenderError | null = null;
    for (const entry of entries.values()) {
      const known = this.rendered.get(entry.domain.domainId);
      // Certificate files are checked too: one removed behind the agent's back is written again.
      if (known && known.checksum === entry.checksum && known.certFiles.every((f) => existsSync(f))) {
        sites.push(known);
        files.push({ path: known.path, sha256: known.sha256, render: () => this.text(entry) });
        continue;
      }
      const input = this.site(entry);
      const planned = planSite(input, this.opts);
      if (!planned.ok) {
        firstError ??= planned.errors[0]!;
        continue;
      }
      const content = renderSitePlan(planned.plan, this.opts);
      const { domainId, hostname, key } = planned.plan;
      const certFiles = input.certificate ? [input.certificate.certPath, input.certificate.keyPath] : [];
      const site: RenderedSite = { domainId, hostname, key, checksum: entry.checksum, path: sitePath(domainId), sha256: sha256Hex(content), certFiles };
      this.rendered.set(domainId, site);
      sites.push(site);
      files.push({ path: site.path, content });
    }
    if (firstError) return { ok: false, error: firstError };
    sites.sort((a, b) => (a.domainId < b.domainId ? -1 : a.domainId > b.domainId ? 1 : 0));
    const conflict = siteConflicts(sites)[0];
    if (conflict) return { ok: false, error: conflict };
    // Domains no longer in the state are forgotten; the remembered set never outgrows the state.
    if (this.rendered.size > entries.size) for (const id of this.rendered.keys()) if (!entries.has(id)) this.rendered.delete(id);
    files.push(renderMainConfig(this.opts));
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { ok: true, files, certFiles: new Set(sites.flatMap((s) => s.certFiles)) };
  }

  /** One site's text, rendered again (the entry rendered before, so it plans). */
  private text(entry: DesiredEntry): string {
    const planned = planSite(this.site(entry), this.opts);
    if (!planned.ok) throw new Error(`domain ${entry.domain.domainId} no longer renders: ${planned.errors[0]!.message}`);
    return renderSitePlan(planned.plan, this.opts);
  }
}
