// Renders one domain into one file, `sites/<domainId>.conf`, included in nginx's http block: its
// upstream groups, WAF maps, rate and cache zones, and its server blocks. Pure and deterministic.

import { quoteComplexValue, quoteString } from './escape';
import { checkRenderOptions, listenOn } from './options';
import { planSite } from './site-plan';
import type { GroupPool, PoolPlan, SitePlan } from './site-plan';
import type { RenderOptions, RenderResult, SiteInput } from './types';

/** Lines with two-space indentation per nesting level; blank strings stay blank. */
const block = (head: string, body: string[]): string[] => [`${head} {`, ...body.map((l) => (l ? `  ${l}` : l)), '}'];

export const sitePath = (domainId: string): string => `sites/${domainId}.conf`;

function upstreamBlock(pool: GroupPool): string[] {
  const body: string[] = [];
  if (pool.method !== 'round_robin') body.push(`${pool.method};`);
  for (const s of pool.servers) {
    const weight = pool.method === 'ip_hash' && s.weight === 1 ? '' : ` weight=${s.weight}`;
    body.push(`server ${s.address}${weight} max_fails=${s.maxFails} fail_timeout=${s.failTimeoutS}s${s.backup ? ' backup' : ''};`);
  }
  body.push('keepalive 16;');
  return block(`upstream ${pool.upstream}`, body);
}

/**
 * WAF: one 0/1 variable per rule, then maps over their concatenation ("0010...") so the first
 * matching rule decides, as the operator ordered them. `$<key>_waf` names the deciding rule for
 * the access log; `$<key>_waf_block` is 1 only when that rule denies in block mode.
 */
function wafBlocks(plan: SitePlan): string[] {
  const lines: string[] = [];
  const ruleVar = (i: number): string => `$${plan.key}_w${i}`;
  for (const [i, rule] of plan.waf.entries()) {
    const head = rule.matcher.via === 'geo' ? `geo ${ruleVar(i)}` : `map ${rule.matcher.source} ${ruleVar(i)}`;
    lines.push(...block(head, ['default 0;', `${rule.matcher.key} 1;`]));
  }
  const bits = quoteString(plan.waf.map((_, i) => ruleVar(i)).join(''));
  const firstMatch = (i: number): string => quoteString(i === 0 ? '~^1' : `~^0{${i}}1`);
  lines.push(...block(`map ${bits} $${plan.key}_waf`, ['default "";', ...plan.waf.map((r, i) => `${firstMatch(i)} "${r.id}:${r.action}:${r.mode}";`)]));
  const blocking = plan.waf.flatMap((r, i) => (r.action === 'deny' && r.mode === 'block' ? [`${firstMatch(i)} 1;`] : []));
  lines.push(...block(`map ${bits} $${plan.key}_waf_block`, ['default 0;', ...blocking]));
  return lines;
}

function httpLevel(plan: SitePlan, opts: RenderOptions): string[] {
  const lines: string[] = [];
  for (const pool of plan.pools) if (pool.kind === 'group') lines.push(...upstreamBlock(pool));
  if (plan.waf.length > 0) lines.push(...wafBlocks(plan));
  if (plan.rateLimit) lines.push(`limit_req_zone $binary_remote_addr zone=${plan.key}_rl:10m rate=${plan.rateLimit.requestsPerSecond}r/s;`);
  if (plan.cache) {
    const dir = quoteString(`${opts.cacheDir}/${plan.domainId}`);
    const inactive = Math.max(plan.cache.ttlSeconds, 600);
    lines.push(`proxy_cache_path ${dir} levels=1:2 keys_zone=${plan.key}_cache:10m max_size=1g inactive=${inactive}s use_temp_path=off;`);
  }
  return lines;
}

function proxyTo(plan: SitePlan, pool: PoolPlan): string[] {
  if (pool.kind === 'group') return [`proxy_pass http://${pool.upstream};`];
  return [`set $${plan.key}_up ${quoteString(pool.target)};`, `proxy_pass http://$${plan.key}_up;`];
}

function locations(plan: SitePlan): string[] {
  const pools = new Map(plan.pools.map((p) => [p.name, p]));
  const first = plan.pools[0];
  if (!first) {
    const page = quoteComplexValue(`503 Service Unavailable: no upstream pool is configured for ${plan.hostname}.\n`);
    return block('location /', ['default_type text/plain;', `return 503 ${page};`]);
  }
  if (plan.routes.length === 0) return block('location /', proxyTo(plan, first));
  const lines: string[] = [];
  for (const r of plan.routes) lines.push(...block(`location ${r.match === 'exact' ? '= ' : ''}${quoteString(r.path)}`, proxyTo(plan, pools.get(r.pool)!)));
  // Paths no route claims get a 404 rather than nginx's static files from the prefix.
  if (!plan.routes.some((r) => r.match === 'prefix' && r.path === '/')) lines.push(...block('location /', ['return 404;']));
  return lines;
}

function serverBody(plan: SitePlan): string[] {
  const body: string[] = [];
  if (plan.waf.length > 0) body.push(`set $ng_waf $${plan.key}_waf;`, ...block(`if ($${plan.key}_waf_block)`, ['return 403;']));
  if (plan.rateLimit) {
    const burst = plan.rateLimit.burst > 0 ? ` burst=${plan.rateLimit.burst} nodelay` : '';
    body.push(`limit_req zone=${plan.key}_rl${burst};`, 'limit_req_status 429;');
  }
  if (plan.cache) {
    body.push(`proxy_cache ${plan.key}_cache;`, 'proxy_cache_key $scheme$host$request_uri;', 'proxy_cache_lock on;');
    if (plan.cache.mode === 'standard') {
      body.push(`proxy_cache_valid 200 301 302 ${plan.cache.ttlSeconds}s;`, 'proxy_cache_use_stale error timeout updating;');
    } else {
      // Aggressive caches even what the upstream marks private or short-lived, but never responses
      // that set cookies (nginx skips those unless told otherwise), and serves stale on upstream errors.
      body.push(
        'proxy_ignore_headers Cache-Control Expires;',
        `proxy_cache_valid 200 301 302 404 ${plan.cache.ttlSeconds}s;`,
        'proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;',
        'proxy_cache_background_update on;',
      );
    }
    body.push('add_header X-Cache-Status $upstream_cache_status always;');
  }
  for (const h of plan.headers) body.push(`add_header ${h.name} ${h.value} always;`);
  return [...body, ...locations(plan)];
}

function serverBlocks(plan: SitePlan, opts: RenderOptions): string[] {
  const head = [`server_name ${plan.hostname};`, `set $ng_domain ${quoteString(plan.domainId)};`];
  if (!plan.https) return block('server', [`listen ${listenOn(opts, opts.httpPort)};`, ...head, ...serverBody(plan)]);
  const port = opts.httpsPort === 443 ? '' : `:${opts.httpsPort}`;
  return [
    ...block('server', [`listen ${listenOn(opts, opts.httpPort)};`, ...head, `return 301 https://$host${port}$request_uri;`]),
    ...block('server', [
      `listen ${listenOn(opts, opts.httpsPort)} ssl http2;`,
      ...head,
      `ssl_certificate ${plan.https.certPath};`,
      `ssl_certificate_key ${plan.https.keyPath};`,
      ...serverBody(plan),
    ]),
  ];
}

export function renderSitePlan(plan: SitePlan, opts: RenderOptions): string {
  const lines = [
    `# Generated by ${opts.generatorVersion}. Do not edit: the Netgoat agent rewrites this file.`,
    `# domain ${plan.domainId} (${plan.hostname})`,
    '',
    ...httpLevel(plan, opts),
    ...serverBlocks(plan, opts),
  ];
  return `${lines.join('\n')}\n`;
}

/** One site's file, or every field that could not be rendered safely. Throws only for bad options. */
export function renderSite(input: SiteInput, opts: RenderOptions): RenderResult {
  checkRenderOptions(opts);
  const planned = planSite(input, opts);
  if (!planned.ok) return planned;
  return { ok: true, files: [{ path: sitePath(planned.plan.domainId), content: renderSitePlan(planned.plan, opts) }] };
}
