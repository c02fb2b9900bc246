// The reverse-proxy configuration of one domain. Structure only here; the nginx renderer in core
// is the authority on which values can be rendered safely and refuses everything else.

import { z } from 'zod';
import { id, teamId } from './common';

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'names are lower-case letters, digits, "_" or "-" (at most 40)');

export const upstreamServer = z.strictObject({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535),
  weight: z.number().int().min(1).max(1000),
  maxFails: z.number().int().min(0).max(100),
  failTimeoutS: z.number().int().min(1).max(3600),
  backup: z.boolean(),
});

export const upstreamPool = z.strictObject({
  name,
  method: z.enum(['round_robin', 'least_conn', 'ip_hash']),
  servers: z.array(upstreamServer).min(1).max(64),
});

export const route = z.strictObject({
  path: z.string().min(1).max(512),
  match: z.enum(['prefix', 'exact']),
  pool: name,
});

export const wafRule = z.strictObject({
  id: name,
  kind: z.enum(['ip', 'path', 'method', 'header', 'user_agent']),
  /** ip: a CIDR or address; path: a prefix; method: a method; header: "Name: value"; user_agent: a substring. */
  pattern: z.string().min(1).max(512),
  action: z.enum(['allow', 'deny']),
  mode: z.enum(['block', 'log_only']),
});

export const proxyConfig = z.strictObject({
  teamId,
  domainId: id,
  upstreamPools: z.array(upstreamPool).max(32),
  routes: z.array(route).max(128),
  wafRules: z.array(wafRule).max(256),
  cache: z.strictObject({
    mode: z.enum(['off', 'standard', 'aggressive']),
    ttlSeconds: z.number().int().min(1).max(31_536_000),
  }),
  rateLimit: z.strictObject({
    enabled: z.boolean(),
    requestsPerSecond: z.number().int().min(1).max(100_000),
    burst: z.number().int().min(0).max(100_000),
  }),
  headers: z.array(z.strictObject({ name: z.string().min(1).max(128), value: z.string().max(1024) })).max(64),
});
export type ProxyConfig = z.infer<typeof proxyConfig>;
