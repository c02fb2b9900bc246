// Checks one site field by field and turns it into a plan whose every string is already safe to
// emit (whitelisted or quoted). The writer in render-site.ts emits only what is in a plan.

import { isValidId } from '../../shared/ids';
import { sha256Hex } from '../../shared/sha256';
import {
  checkFilePath, checkHeaderName, checkHeaderValue, checkHostname, checkInt, checkName, checkOneOf, checkUpstreamHost, checkUrlPath,
  notAString, parseWafPattern,
} from '../../shared/nginx-values';
import { quoteComplexValue, quoteString, regexLiteral } from './escape';
import type { RenderError, RenderOptions, SiteInput } from './types';

type Path = (string | number)[];

export interface GroupPool {
  kind: 'group';
  name: string;
  upstream: string;
  method: 'round_robin' | 'least_conn' | 'ip_hash';
  servers: { address: string; weight: number; maxFails: number; failTimeoutS: number; backup: boolean }[];
}

/** A pool whose one server is a hostname: resolved per request, so a dead name never blocks start-up. */
export interface ResolvedPool {
  kind: 'resolved';
  name: string;
  target: string;
}

export type PoolPlan = GroupPool | ResolvedPool;

/** How a WAF rule matches: which nginx block computes its 0/1 variable, and the safe key it tests. */
export type WafMatcher =
  | { via: 'geo'; key: string }
  | { via: 'map'; source: string; key: string };

export interface SitePlan {
  domainId: string;
  hostname: string;
  /** Short, stable prefix for this site's nginx names (upstreams, zones, variables). */
  key: string;
  https: { certPath: string; keyPath: string } | null;
  pools: PoolPlan[];
  routes: { path: string; match: 'prefix' | 'exact'; pool: string }[];
  waf: { id: string; matcher: WafMatcher; action: 'allow' | 'deny'; mode: 'block' | 'log_only' }[];
  cache: { mode: 'standard' | 'aggressive'; ttlSeconds: number } | null;
  rateLimit: { requestsPerSecond: number; burst: number } | null;
  /** Header name and its already-quoted value. */
  headers: { name: string; value: string }[];
}

/** The per-site name prefix: a hash, so ids of any length give short, collision-checked nginx names. */
export const siteKey = (domainId: string): string => `ng_${sha256Hex(`nginx-site\u0000${domainId}`).slice(0, 10)}`;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly errors: RenderError[] = [];
  constructor(private readonly domainId: string) {}

  /** Records a problem (if any) at path; true when the value is fine. */
  ok(path: Path, problem: string | null): boolean {
    if (problem === null) return true;
    this.errors.push({ domainId: this.domainId, path, code: 'NG_VALIDATION', message: problem });
    return false;
  }

  string(value: unknown, path: Path, check: (s: string, what: string) => string | null): value is string {
    const what = path.join('.');
    return this.ok(path, notAString(value, what) ?? check(value as string, what));
  }

  list(value: unknown, path: Path, max: number): unknown[] {
    if (!Array.isArray(value)) {
      this.ok(path, `${path.join('.')} must be a list`);
      return [];
    }
    if (value.length > max) {
      this.ok(path, `${path.join('.')} has ${value.length} entries; at most ${max} are allowed`);
      return [];
    }
    return value;
  }

  record(value: unknown, path: Path): Record<string, unknown> {
    if (isRecord(value)) return value;
    this.ok(path, `${path.join('.')} must be an object`);
    return {};
  }
}

function planPools(c: Checker, raw: unknown, key: string, resolvers: boolean): PoolPlan[] {
  const pools: PoolPlan[] = [];
  const seen = new Set<string>();
  for (const [i, rawPool] of c.list(raw, ['proxy', 'upstreamPools'], 32).entries()) {
    const at: Path = ['proxy', 'upstreamPools', i];
    const pool = c.record(rawPool, at);
    const nameOk = c.string(pool.name, [...at, 'name'], checkName);
    if (nameOk && seen.has(pool.name as string)) c.ok([...at, 'name'], `pool name "${pool.name as string}" is used twice`);
    if (nameOk) seen.add(pool.name as string);
    const methodOk = c.ok([...at, 'method'], checkOneOf(pool.method, ['round_robin', 'least_conn', 'ip_hash'], `${at.join('.')}.method`));
    const rawServers = c.list(pool.servers, [...at, 'servers'], 64);
    if (Array.isArray(pool.servers) && pool.servers.length === 0) c.ok([...at, 'servers'], `pool "${String(pool.name)}" needs at least one server`);
    const servers: GroupPool['servers'] = [];
    let hostname: string | null = null;
    let serversOk = true;
    for (const [j, rawServer] of rawServers.entries()) {
      const sat: Path = [...at, 'servers', j];
      const s = c.record(rawServer, sat);
      const host = typeof s.host === 'string' ? checkUpstreamHost(s.host, `${sat.join('.')}.host`) : ({ ok: false, reason: `${sat.join('.')}.host must be a string` } as const);
      let fine = c.ok([...sat, 'host'], host.ok ? null : host.reason);
      fine = c.ok([...sat, 'port'], checkInt(s.port, 1, 65_535, `${sat.join('.')}.port`)) && fine;
      fine = c.ok([...sat, 'weight'], checkInt(s.weight, 1, 1000, `${sat.join('.')}.weight`)) && fine;
      fine = c.ok([...sat, 'maxFails'], checkInt(s.maxFails, 0, 100, `${sat.join('.')}.maxFails`)) && fine;
      fine = c.ok([...sat, 'failTimeoutS'], checkInt(s.failTimeoutS, 1, 3600, `${sat.join('.')}.failTimeoutS`)) && fine;
      fine = c.ok([...sat, 'backup'], typeof s.backup === 'boolean' ? null : `${sat.join('.')}.backup must be true or false`) && fine;
      if (fine && s.backup === true && pool.method === 'ip_hash') fine = c.ok([...sat, 'backup'], 'nginx cannot combine backup servers with ip_hash; pick another method or drop "backup"');
      if (fine && host.ok && host.kind === 'name') {
        // nginx 1.22 (Debian's nginx-light) resolves hostnames in `upstream` blocks once, at start-up,
        // and refuses to start when one does not resolve; the `resolve` server parameter is not in its
        // open-source build. So a hostname is only allowed as the single server of a pool, which is
        // rendered as `proxy_pass http://$variable` and resolved per request by `resolver`.
        if (rawServers.length > 1) fine = c.ok([...sat, 'host'], 'a hostname is allowed only as the single server of a pool (nginx resolves hostnames in groups at start-up, and one that does not resolve would stop nginx); use IP addresses in pools with several servers');
        else if (!resolvers) fine = c.ok([...sat, 'host'], 'this agent has no DNS resolver configured, so upstream hostnames cannot be used; use an IP address');
        else hostname = `${host.text}:${s.port as number}`;
      }
      serversOk = serversOk && fine;
      if (fine && host.ok) servers.push({ address: `${host.text}:${s.port as number}`, weight: s.weight as number, maxFails: s.maxFails as number, failTimeoutS: s.failTimeoutS as number, backup: s.backup as boolean });
    }
    if (serversOk && servers.length > 0 && servers.every((s) => s.backup)) c.ok([...at, 'servers'], `pool "${String(pool.name)}" needs at least one server that is not a backup`);
    if (!nameOk || !methodOk || !serversOk) continue;
    const name = pool.name as string;
    if (hostname !== null) pools.push({ kind: 'resolved', name, target: hostname });
    else pools.push({ kind: 'group', name, upstream: `${key}_p_${name}`, method: pool.method as GroupPool['method'], servers });
  }
  return pools;
}

function planRoutes(c: Checker, raw: unknown, poolNames: Set<string>, allPoolsOk: boolean): SitePlan['routes'] {
  const routes: SitePlan['routes'] = [];
  const seen = new Set<string>();
  for (const [i, rawRoute] of c.list(raw, ['proxy', 'routes'], 128).entries()) {
    const at: Path = ['proxy', 'routes', i];
    const r = c.record(rawRoute, at);
    let fine = c.string(r.path, [...at, 'path'], checkUrlPath);
    fine = c.ok([...at, 'match'], checkOneOf(r.match, ['prefix', 'exact'], `${at.join('.')}.match`)) && fine;
    if (c.string(r.pool, [...at, 'pool'], checkName)) {
      if (allPoolsOk && !poolNames.has(r.pool as string)) fine = c.ok([...at, 'pool'], `route points to pool "${r.pool as string}", which does not exist`);
    } else {
      fine = false;
    }
    if (!fine) continue;
    const id = `${r.match as string} ${r.path as string}`;
    if (seen.has(id)) {
      c.ok([...at, 'path'], `another ${r.match as string} route already uses the path ${r.path as string}`);
      continue;
    }
    seen.add(id);
    routes.push({ path: r.path as string, match: r.match as 'prefix' | 'exact', pool: r.pool as string });
  }
  return routes;
}

/** A WAF pattern becomes the source variable and key of a `map`, or the CIDR of a `geo`. */
function planMatcher(c: Checker, kind: unknown, pattern: unknown, at: Path): WafMatcher | null {
  const pat: Path = [...at, 'pattern'];
  if (!c.ok([...at, 'kind'], checkOneOf(kind, ['ip', 'path', 'method', 'header', 'user_agent'], `${at.join('.')}.kind`))) return null;
  if (!c.ok(pat, notAString(pattern, pat.join('.')))) return null;
  const parsed = parseWafPattern(kind as string, pattern as string, pat.join('.'));
  if (!parsed.ok) {
    c.ok(pat, parsed.reason);
    return null;
  }
  const p = parsed.pattern;
  switch (p.kind) {
    case 'ip':
      return { via: 'geo', key: p.cidr };
    case 'path':
      return { via: 'map', source: '$uri', key: quoteString(`~^${regexLiteral(p.path)}`) };
    case 'method':
      return { via: 'map', source: '$request_method', key: quoteString(p.method) };
    case 'user_agent':
      return { via: 'map', source: '$http_user_agent', key: quoteString(`~*${regexLiteral(p.text)}`) };
    case 'header':
      return { via: 'map', source: `$http_${p.name.toLowerCase().replace(/-/g, '_')}`, key: quoteString(`~*${regexLiteral(p.value)}`) };
  }
}

function planWaf(c: Checker, raw: unknown): SitePlan['waf'] {
  const rules: SitePlan['waf'] = [];
  const seen = new Set<string>();
  for (const [i, rawRule] of c.list(raw, ['proxy', 'wafRules'], 256).entries()) {
    const at: Path = ['proxy', 'wafRules', i];
    const r = c.record(rawRule, at);
    let fine = c.string(r.id, [...at, 'id'], checkName);
    if (fine && seen.has(r.id as string)) fine = c.ok([...at, 'id'], `rule id "${r.id as string}" is used twice`);
    if (fine) seen.add(r.id as string);
    const matcher = planMatcher(c, r.kind, r.pattern, at);
    fine = c.ok([...at, 'action'], checkOneOf(r.action, ['allow', 'deny'], `${at.join('.')}.action`)) && fine;
    fine = c.ok([...at, 'mode'], checkOneOf(r.mode, ['block', 'log_only'], `${at.join('.')}.mode`)) && fine;
    if (fine && matcher) rules.push({ id: r.id as string, matcher, action: r.action as 'allow' | 'deny', mode: r.mode as 'block' | 'log_only' });
  }
  return rules;
}

function planHeaders(c: Checker, raw: unknown): SitePlan['headers'] {
  const headers: SitePlan['headers'] = [];
  for (const [i, rawHeader] of c.list(raw, ['proxy', 'headers'], 64).entries()) {
    const at: Path = ['proxy', 'headers', i];
    const h = c.record(rawHeader, at);
    const nameOk = c.string(h.name, [...at, 'name'], checkHeaderName);
    const valueOk = c.string(h.value, [...at, 'value'], checkHeaderValue);
    if (nameOk && valueOk) headers.push({ name: h.name as string, value: quoteComplexValue(h.value as string) });
  }
  return headers;
}

function planProxy(c: Checker, proxy: Record<string, unknown>, domainId: string, key: string, opts: RenderOptions): Pick<SitePlan, 'pools' | 'routes' | 'waf' | 'cache' | 'rateLimit' | 'headers'> {
  if (proxy.domainId !== domainId) c.ok(['proxy', 'domainId'], `proxy.domainId does not match the domain (${domainId})`);
  const before = c.errors.length;
  const pools = planPools(c, proxy.upstreamPools, key, opts.resolvers.length > 0);
  const poolsOk = c.errors.length === before;
  const routes = planRoutes(c, proxy.routes, new Set(pools.map((p) => p.name)), poolsOk);
  const waf = planWaf(c, proxy.wafRules);

  const cache = c.record(proxy.cache, ['proxy', 'cache']);
  const cacheModeOk = c.ok(['proxy', 'cache', 'mode'], checkOneOf(cache.mode, ['off', 'standard', 'aggressive'], 'proxy.cache.mode'));
  const ttlOk = c.ok(['proxy', 'cache', 'ttlSeconds'], checkInt(cache.ttlSeconds, 1, 31_536_000, 'proxy.cache.ttlSeconds'));

  const rl = c.record(proxy.rateLimit, ['proxy', 'rateLimit']);
  let rlOk = c.ok(['proxy', 'rateLimit', 'enabled'], typeof rl.enabled === 'boolean' ? null : 'proxy.rateLimit.enabled must be true or false');
  rlOk = c.ok(['proxy', 'rateLimit', 'requestsPerSecond'], checkInt(rl.requestsPerSecond, 1, 100_000, 'proxy.rateLimit.requestsPerSecond')) && rlOk;
  rlOk = c.ok(['proxy', 'rateLimit', 'burst'], checkInt(rl.burst, 0, 100_000, 'proxy.rateLimit.burst')) && rlOk;

  return {
    pools,
    routes,
    waf,
    cache: cacheModeOk && ttlOk && cache.mode !== 'off' ? { mode: cache.mode as 'standard' | 'aggressive', ttlSeconds: cache.ttlSeconds as number } : null,
    rateLimit: rlOk && rl.enabled === true ? { requestsPerSecond: rl.requestsPerSecond as number, burst: rl.burst as number } : null,
    headers: planHeaders(c, proxy.headers),
  };
}

/** Every problem in the site, each with its field path, or a plan made only of checked values. */
export function planSite(input: SiteInput, opts: RenderOptions): { ok: true; plan: SitePlan } | { ok: false; errors: RenderError[] } {
  const domainId = typeof input.domainId === 'string' && isValidId(input.domainId) ? input.domainId : '';
  const c = new Checker(domainId);
  c.ok(['domainId'], domainId ? null : 'domainId must be an id: lower-case letters, digits, "_" or "-", at most 64');
  c.string(input.hostname, ['hostname'], checkHostname);
  const tls = c.record(input.tls, ['tls']);
  c.ok(['tls', 'status'], checkOneOf(tls.status, ['Pending', 'Active', 'Expired'], 'tls.status'));
  c.ok(['wafEnabled'], typeof input.wafEnabled === 'boolean' ? null : 'wafEnabled must be true or false');

  let https: SitePlan['https'] = null;
  if (input.certificate) {
    const cert = c.record(input.certificate, ['certificate']);
    const certOk = c.string(cert.certPath, ['certificate', 'certPath'], checkFilePath);
    const keyOk = c.string(cert.keyPath, ['certificate', 'keyPath'], checkFilePath);
    if (certOk && keyOk && tls.status === 'Active') https = { certPath: quoteString(cert.certPath as string), keyPath: quoteString(cert.keyPath as string) };
  }

  const key = siteKey(domainId);
  const empty = { pools: [], routes: [], waf: [], cache: null, rateLimit: null, headers: [] };
  const proxy = input.proxy === null || input.proxy === undefined ? empty : planProxy(c, c.record(input.proxy, ['proxy']), domainId, key, opts);
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return {
    ok: true,
    plan: { domainId, hostname: input.hostname, key, https, ...proxy, waf: input.wafEnabled ? proxy.waf : [] },
  };
}
