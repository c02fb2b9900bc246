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

  const byId = new Map<string, SitePlan>();
  const byHost = new Map<string, SitePlan>();
  const byKey = new Map<string, SitePlan>();
  for (const plan of plans) {
    const conflict = (path: (string | number)[], message: string): void => {
      errors.push({ domainId: plan.domainId, path, code: 'NG_VALIDATION', message });
    };
    if (byId.has(plan.domainId)) conflict(['domainId'], `domain ${plan.domainId} is listed twice`);
    else if (byHost.has(plan.hostname)) conflict(['hostname'], `hostname ${plan.hostname} is also served by domain ${byHost.get(plan.hostname)!.domainId}`);
    else if (byKey.has(plan.key)) conflict(['domainId'], `domain ${plan.domainId} hashes to the same nginx names as ${byKey.get(plan.key)!.domainId}`);
    byId.set(plan.domainId, plan);
    byHost.set(plan.hostname, plan);
    byKey.set(plan.key, plan);
  }
  if (errors.length > 0) return { ok: false, errors };

  const files = [renderMainConfig(opts), ...plans.map((plan) => ({ path: sitePath(plan.domainId), content: renderSitePlan(plan, opts) }))];
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ok: true, files, directories: requiredDirectories(opts) };
}
