// Everything one agent's nginx needs, as files sorted by path: the same sites and options always
// give byte-identical output, so a checksum of it says whether anything changed.

import { checkRenderOptions, requiredDirectories } from './options';
import { renderMainConfig } from './render-main';
import { renderSitePlan, sitePath } from './render-site';
import { planSite } from './site-plan';
import type { SitePlan } from './site-plan';
import type { RenderError, RenderOptions, RenderedFile, SiteInput } from './types';

export type RenderAllResult = { ok: true; files: RenderedFile[]; directories: string[] } | { ok: false; errors: RenderError[] };

export function renderAll(sites: readonly SiteInput[], opts: RenderOptions): RenderAllResult {
  checkRenderOptions(opts);
  const errors: RenderError[] = [];
  const plans: SitePlan[] = [];
  for (const site of sites) {
    const planned = planSite(site, opts);
    if (planned.ok) plans.push(planned.plan);
    else errors.push(...planned.errors);
  }
  plans.sort((a, b) => (a.domainId < b.domainId ? -1 : a.domainId > b.domainId ? 1 : 0));
  errors.push(...siteConflicts(plans));
  if (errors.length > 0) return { ok: false, errors };

  const files = [renderMainConfig(opts), ...plans.map((plan) => ({ path: sitePath(plan.domainId), content: renderSitePlan(plan, opts) }))];
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ok: true, files, directories: requiredDirectories(opts) };
}

/** What sets one site apart in a tree: two sites may share none of these. */
export type SiteIdentity = Pick<SitePlan, 'domainId' | 'hostname' | 'key'>;

/** Sites of one tree that clash (same domain twice, same hostname, same nginx names); `sites` sorted by domain id. */
export function siteConflicts(sites: readonly SiteIdentity[]): RenderError[] {
  const errors: RenderError[] = [];
  const byId = new Map<string, SiteIdentity>();
  const byHost = new Map<string, SiteIdentity>();
  const byKey = new Map<string, SiteIdentity>();
  for (const site of sites) {
    const conflict = (path: (string | number)[], message: string): void => {
      errors.push({ domainId: site.domainId, path, code: 'NG_VALIDATION', message });
    };
    if (byId.has(site.domainId)) conflict(['domainId'], `domain ${site.domainId} is listed twice`);
    else if (byHost.has(site.hostname)) conflict(['hostname'], `hostname ${site.hostname} is also served by domain ${byHost.get(site.hostname)!.domainId}`);
    else if (byKey.has(site.key)) conflict(['domainId'], `domain ${site.domainId} hashes to the same nginx names as ${byKey.get(site.key)!.domainId}`);
    byId.set(site.domainId, site);
    byHost.set(site.hostname, site);
    byKey.set(site.key, site);
  }
  return errors;
}
