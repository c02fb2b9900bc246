// The reverse-proxy configuration of one domain. Fields are checked with the same whitelists the
// nginx renderer uses (shared/nginx-values.ts), so a bad value is refused when it is typed; the
// renderer in core re-checks everything and stays the final authority.

import { z } from 'zod';
import {
  checkHeaderName, checkHeaderValue, checkUpstreamHost, checkUrlPath, MAX_HEADER_VALUE, MAX_PATH, MAX_PATTERN, parseWafPattern,
} from '../nginx-values';
import { id, teamId } from './common';

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'names are lower-case letters, digits, "_" or "-" (at most 40)');

/** A string refined by one of the nginx-values checks; the check's reason becomes the issue message. */
const checked = (max: number, check: (value: string, what: string) => string | null, what: string) =>
  z.string().max(max).superRefine((value, ctx) => {
    const problem = check(value, what);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const upstreamServer = z.strictObject({
  host: checked(253, (v, w) => {
    const r = checkUpstreamHost(v, w);
    return r.ok ? null : r.reason;
  }, 'host'),
  port: z.number().int().min(1).max(65_535),
  weight: z.number().int().min(1).max(1000),
  maxFails: z.number().int().min(0).max(100),
  failTimeoutS: z.number().int().min(1).max(3600),
  backup: z.boolean(),
});

export const upstreamPool = z
  .strictObject({
    name,
    method: z.enum(['round_robin', 'least_conn', 'ip_hash']),
    servers: z.array(upstreamServer).min(1).max(64),
  })
  .superRefine((pool, ctx) => {
    for (const [j, s] of pool.servers.entries()) {
      if (s.backup && pool.method === 'ip_hash') ctx.addIssue({ code: 'custom', path: ['servers', j, 'backup'], message: 'nginx cannot combine backup servers with ip_hash; pick another method or drop "backup"' });
      const host = checkUpstreamHost(s.host, 'host');
      if (pool.servers.length > 1 && host.ok && host.kind === 'name') {
        ctx.addIssue({ code: 'custom', path: ['servers', j, 'host'], message: 'a hostname is allowed only as the single server of a pool (nginx resolves hostnames in groups at start-up, and one that does not resolve would stop nginx); use IP addresses in pools with several servers' });
      }
    }
    if (pool.servers.length > 0 && pool.servers.every((s) => s.backup)) ctx.addIssue({ code: 'custom', path: ['servers'], message: 'a pool needs at least one server that is not a backup' });
  });

export const route = z.strictObject({
  path: checked(MAX_PATH, checkUrlPath, 'path'),
  match: z.enum(['prefix', 'exact']),
  pool: name,
});

export const wafRule = z
  .strictObject({
    id: name,
    kind: z.enum(['ip', 'path', 'method', 'header', 'user_agent']),
    /** ip: a CIDR or address; path: a prefix; method: a method; header: "Name: value" (value is a substring); user_agent: a substring. */
    pattern: z.string().min(1).max(MAX_PATTERN),
    action: z.enum(['allow', 'deny']),
    mode: z.enum(['block', 'log_only']),
  })
  .superRefine((rule, ctx) => {
    const r = parseWafPattern(rule.kind, rule.pattern, 'pattern');
    if (!r.ok) ctx.addIssue({ code: 'custom', path: ['pattern'], message: r.reason });
  });

/** Duplicates inside one list, reported on the later entry's field. */
const unique = <T>(field: string, key: (item: T) => string, what: string) => (items: T[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    const k = key(item);
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i, field], message: `${what} "${k}" is used twice` });
    seen.add(k);
  }
};

export const responseHeader = z.strictObject({
  name: checked(64, checkHeaderName, 'name'),
  value: checked(MAX_HEADER_VALUE, checkHeaderValue, 'value'),
});

export const proxyConfig = z.strictObject({
  teamId,
  domainId: id,
  upstreamPools: z.array(upstreamPool).max(32).superRefine(unique('name', (p: { name: string }) => p.name, 'pool name')),
  routes: z.array(route).max(128).superRefine(unique('path', (r: { match: string; path: string }) => `${r.match} ${r.path}`, 'route')),
  wafRules: z.array(wafRule).max(256).superRefine(unique('id', (r: { id: string }) => r.id, 'rule id')),
  cache: z.strictObject({
    mode: z.enum(['off', 'standard', 'aggressive']),
    ttlSeconds: z.number().int().min(1).max(31_536_000),
  }),
  rateLimit: z.strictObject({
    enabled: z.boolean(),
    requestsPerSecond: z.number().int().min(1).max(100_000),
    burst: z.number().int().min(0).max(100_000),
  }),
  headers: z.array(responseHeader).max(64),
});
export type ProxyConfig = z.infer<typeof proxyConfig>;

/**
 * Checks that span fields (kept out of the schema so `proxyConfig.omit(...)` still works): every
 * route names an existing pool. Paths are relative to the proxy config.
 */
export function proxyConfigProblems(config: Pick<ProxyConfig, 'upstreamPools' | 'routes'>): { path: (string | number)[]; message: string }[] {
  const pools = new Set(config.upstreamPools.map((p) => p.name));
  return config.routes.flatMap((r, i) => (pools.has(r.pool) ? [] : [{ path: ['routes', i, 'pool'], message: `route points to pool "${r.pool}", which does not exist` }]));
}
