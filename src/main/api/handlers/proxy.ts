// A domain's reverse-proxy config: read (defaults until first saved), replace with optimistic
// concurrency, and preview as the nginx text the agents would write (same renderer as the agent).

import { NgError } from '../../../shared/errors';
import type { ProxySettings } from '../../../shared/api/views';
import { renderSite, type RenderError } from '../../../core/nginx';
import type { Stored } from '../../db/store';
import type { Handlers, HandlerContext } from '../context';
import { ownedDoc } from '../views';

export const DEFAULT_PROXY_SETTINGS: ProxySettings = {
  upstreamPools: [],
  routes: [],
  wafRules: [],
  cache: { mode: 'off', ttlSeconds: 60 },
  rateLimit: { enabled: false, requestsPerSecond: 10, burst: 20 },
  headers: [],
};

function settingsOf(doc: Stored<'proxy_configs'> | undefined): ProxySettings {
  if (!doc) return DEFAULT_PROXY_SETTINGS;
  const { upstreamPools, routes, wafRules, cache, rateLimit, headers } = doc;
  return { upstreamPools, routes, wafRules, cache, rateLimit, headers };
}

/** Renderer paths start at the site input ("proxy", ...); the API calls that part "settings". */
const apiPath = (e: RenderError): (string | number)[] => (e.path[0] === 'proxy' ? ['settings', ...e.path.slice(1)] : e.path);

function render(ctx: HandlerContext, domain: Stored<'domains'>, settings: ProxySettings) {
  return renderSite(
    { domainId: domain.id, hostname: domain.hostname, tls: domain.tls, wafEnabled: domain.wafEnabled, proxy: { teamId: domain.teamId, domainId: domain.id, ...settings }, certificate: null },
    ctx.renderOptions,
  );
}

export const proxyHandlers: Handlers<'proxy.get' | 'proxy.update' | 'proxy.preview'> = {
  'proxy.get': (input, { store }) => {
    ownedDoc(store, 'domains', input.domainId, input.teamId, 'domain');
    const doc = store.get('proxy_configs', input.domainId);
    return { config: { teamId: input.teamId, domainId: input.domainId, version: doc?.version ?? null, settings: settingsOf(doc) } };
  },

  'proxy.update': (input, ctx) => {
    const { store, actor } = ctx;
    const domain = ownedDoc(store, 'domains', input.domainId, input.teamId, 'domain');
    const rendered = render(ctx, domain, input.settings);
    if (!rendered.ok) {
      const first = rendered.errors[0]!;
      throw new NgError('NG_VALIDATION', `${apiPath(first).join('.')}: ${first.message}`, {
        path: apiPath(first),
        details: { issues: rendered.errors.slice(0, 10).map((e) => ({ path: apiPath(e), message: e.message })) },
      });
    }
    const doc = store.write('proxy_configs', input.domainId, { teamId: input.teamId, domainId: input.domainId, ...input.settings }, { actor, expectedVersion: input.expectedVersion });
    return { config: { teamId: input.teamId, domainId: input.domainId, version: doc.version, settings: settingsOf(doc) } };
  },

  'proxy.preview': (input, ctx) => {
    const domain = ownedDoc(ctx.store, 'domains', input.domainId, input.teamId, 'domain');
    const rendered = render(ctx, domain, input.settings ?? settingsOf(ctx.store.get('proxy_configs', input.domainId)));
    if (!rendered.ok) return { ok: false, path: null, text: null, errors: rendered.errors.map((e) => ({ path: apiPath(e), message: e.message })) };
    const file = rendered.files[0]!;
    return { ok: true, path: file.path, text: file.content, errors: [] };
  },
};
