// Sites for the renderer's tests: a full-featured one with every user-controlled field set, and a
// list of those fields' paths so hostile values can be injected into each.

import type { ProxyConfig } from '../../shared/schemas/proxy';
import { DEFAULT_RENDER_OPTIONS } from './options';
import type { RenderOptions, SiteInput } from './types';

export const TEST_OPTIONS: RenderOptions = {
  ...DEFAULT_RENDER_OPTIONS,
  generatorVersion: 'netgoat 0.1.0-test',
  listenAddress: '127.0.0.1',
  httpPort: 18080,
  httpsPort: 18443,
  statusPort: 18089,
  resolvers: ['127.0.0.1:53'],
  resolverTimeoutS: 1,
  workerProcesses: 1,
};

export function fullProxy(domainId: string): ProxyConfig {
  return {
    teamId: 'team1',
    domainId,
    upstreamPools: [
      { name: 'web', method: 'least_conn', servers: [{ host: '127.0.0.1', port: 9001, weight: 5, maxFails: 3, failTimeoutS: 10, backup: false }, { host: '::1', port: 9002, weight: 1, maxFails: 1, failTimeoutS: 30, backup: true }] },
      { name: 'api', method: 'ip_hash', servers: [{ host: '127.0.0.2', port: 9003, weight: 2, maxFails: 1, failTimeoutS: 10, backup: false }] },
      { name: 'named', method: 'round_robin', servers: [{ host: 'backend.example.com', port: 8080, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false }] },
    ],
    routes: [
      { path: '/', match: 'prefix', pool: 'web' },
      { path: '/api/', match: 'prefix', pool: 'api' },
      { path: '/health', match: 'exact', pool: 'named' },
    ],
    wafRules: [
      { id: 'office', kind: 'ip', pattern: '10.1.0.0/16', action: 'allow', mode: 'block' },
      { id: 'admin', kind: 'path', pattern: '/admin', action: 'deny', mode: 'block' },
      { id: 'trace', kind: 'method', pattern: 'TRACE', action: 'deny', mode: 'block' },
      { id: 'debug', kind: 'header', pattern: 'X-Debug: on', action: 'deny', mode: 'log_only' },
      { id: 'bots', kind: 'user_agent', pattern: 'BadBot', action: 'deny', mode: 'block' },
    ],
    cache: { mode: 'standard', ttlSeconds: 300 },
    rateLimit: { enabled: true, requestsPerSecond: 50, burst: 20 },
    headers: [
      { name: 'X-Frame-Options', value: 'DENY' },
      { name: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' },
      { name: 'Content-Security-Policy', value: "default-src 'self'; img-src *" },
    ],
  };
}

export function fullSite(domainId = 'dom-full', hostname = 'full.example.com'): SiteInput {
  return {
    domainId,
    hostname,
    tls: { status: 'Pending', certificateId: null, notAfter: null },
    wafEnabled: true,
    proxy: fullProxy(domainId),
    certificate: null,
  };
}

/** Every string a user controls in a SiteInput, as a path into fullSite(). */
export const USER_STRING_FIELDS: (string | number)[][] = [
  ['hostname'],
  ['proxy', 'upstreamPools', 0, 'name'],
  ['proxy', 'upstreamPools', 0, 'servers', 0, 'host'],
  ['proxy', 'upstreamPools', 2, 'servers', 0, 'host'],
  ['proxy', 'routes', 1, 'path'],
  ['proxy', 'routes', 2, 'path'],
  ['proxy', 'routes', 1, 'pool'],
  ['proxy', 'wafRules', 0, 'pattern'],
  ['proxy', 'wafRules', 1, 'pattern'],
  ['proxy', 'wafRules', 2, 'pattern'],
  ['proxy', 'wafRules', 3, 'pattern'],
  ['proxy', 'wafRules', 4, 'pattern'],
  ['proxy', 'wafRules', 1, 'id'],
  ['proxy', 'headers', 1, 'name'],
  ['proxy', 'headers', 1, 'value'],
];

/** A deep copy of site with the value at path replaced. */
export function withValue(site: SiteInput, path: (string | number)[], value: unknown): SiteInput {
  const copy = structuredClone(site) as unknown as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy as unknown as SiteInput;
}
