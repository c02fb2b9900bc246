// The agent's checks of what the node sends: signed messages, enrollment answers and refusals (and
// the cached domains, which were such messages). The same rules as the zod schemas in
// src/shared/wire/agent.ts and src/shared/schemas/proxy.ts (the node validates with those), written
// with plain checks so the agent never loads zod (see wire-shape.ts); test/agent/wire-check.test.ts
// holds both to the same verdicts.

import type { DesiredDomain, NodeBody } from '../shared/wire/agent';
import { checkHeaderName, checkHeaderValue, checkUpstreamHost, checkUrlPath, MAX_HEADER_VALUE, MAX_PATH, MAX_PATTERN, parseWafPattern } from '../shared/nginx-values';
import { bool, byType, checksumOrEmpty, hex64, id, int, list, nullable, oneOf, run, str, strict, version, type Check, type Checked, type Path, type Problem } from './wire-shape';

const kid = str({ pattern: /^[a-z0-9_-]{1,64}$/ });
const sessionKey = str({ pattern: /^[A-Za-z0-9_-]{43}$/ });
const shortText = str({ max: 2000 });
const name = str({ pattern: /^[a-z0-9][a-z0-9_-]{0,39}$/ });

/** A string refined by one of the nginx-values checks, as proxy.ts's `checked`. */
const checked = (max: number, check: (value: string, what: string) => string | null, what: string): Check => str({ max, refine: (v) => check(v, what) });

const upstreamServer = strict({
  host: checked(253, (v, w) => {
    const r = checkUpstreamHost(v, w);
    return r.ok ? null : r.reason;
  }, 'host'),
  port: int(1, 65_535),
  weight: int(1, 1000),
  maxFails: int(0, 100),
  failTimeoutS: int(1, 3600),
  backup: bool,
});

interface PoolShape {
  method: string;
  servers: { host: string; backup: boolean }[];
}

const upstreamPool = strict({ name, method: oneOf(['round_robin', 'least_conn', 'ip_hash']), servers: list(upstreamServer, { min: 1, max: 64 }) }, {
  refine: (o, path) => {
    const pool = o as unknown as PoolShape;
    for (const [j, s] of pool.servers.entries()) {
      if (s.backup && pool.method === 'ip_hash') return { path: [...path, 'servers', j, 'backup'], message: 'nginx cannot combine backup servers with ip_hash; pick another method or drop "backup"' };
      const host = checkUpstreamHost(s.host, 'host');
      if (pool.servers.length > 1 && host.ok && host.kind === 'name') return { path: [...path, 'servers', j, 'host'], message: 'a hostname is allowed only as the single server of a pool (nginx resolves hostnames in groups at start-up, and one that does not resolve would stop nginx); use IP addresses in pools with several servers' };
    }
    return pool.servers.every((s) => s.backup) ? { path: [...path, 'servers'], message: 'a pool needs at least one server that is not a backup' } : null;
  },
});

const route = strict({ path: checked(MAX_PATH, checkUrlPath, 'path'), match: oneOf(['prefix', 'exact']), pool: name });

const wafRule = strict({
  id: name,
  kind: oneOf(['ip', 'path', 'method', 'header', 'user_agent']),
  pattern: str({ min: 1, max: MAX_PATTERN }),
  action: oneOf(['allow', 'deny']),
  mode: oneOf(['block', 'log_only']),
}, {
  refine: (o, path) => {
    const r = parseWafPattern(o['kind'] as string, o['pattern'] as string, 'pattern');
    return r.ok ? null : { path: [...path, 'pattern'], message: r.reason };
  },
});

/** Duplicates inside one list, reported on the later entry's field (proxy.ts's `unique`). */
const unique = (field: string, key: (item: Record<string, unknown>) => string, what: string) => (items: unknown[], path: Path): Problem | null => {
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    const k = key(item as Record<string, unknown>);
    if (seen.has(k)) return { path: [...path, i, field], message: `${what} "${k}" is used twice` };
    seen.add(k);
  }
  return null;
};

const responseHeader = strict({ name: checked(64, checkHeaderName, 'name'), value: checked(MAX_HEADER_VALUE, checkHeaderValue, 'value') });

const proxyConfig = strict({
  teamId: id,
  domainId: id,
  upstreamPools: list(upstreamPool, { max: 32, refine: unique('name', (p) => p['name'] as string, 'pool name') }),
  routes: list(route, { max: 128, refine: unique('path', (r) => `${r['match'] as string} ${r['path'] as string}`, 'route') }),
  wafRules: list(wafRule, { max: 256, refine: unique('id', (r) => r['id'] as string, 'rule id') }),
  cache: strict({ mode: oneOf(['off', 'standard', 'aggressive']), ttlSeconds: int(1, 31_536_000) }),
  rateLimit: strict({ enabled: bool, requestsPerSecond: int(1, 100_000), burst: int(0, 100_000) }),
  headers: list(responseHeader, { max: 64 }),
});

const desiredDomain = strict({
  domainId: id,
  hostname: str({ min: 1, max: 253 }),
  tls: strict({ status: oneOf(['Pending', 'Active', 'Expired']), certificateId: nullable(id), notAfter: nullable(int()) }),
  wafEnabled: bool,
  proxy: nullable(proxyConfig),
  certificate: nullable(strict({ id, chainPem: str({ max: 65_536 }), keyPem: str({ max: 65_536 }) })),
});

const nodeBody = byType({
  full: strict({ type: oneOf(['full']), version, checksum: hex64, domains: list(desiredDomain, { max: 100_000 }) }),
  diff: strict({
    type: oneOf(['diff']), baseVersion: version, baseChecksum: hex64, version, checksum: hex64,
    upserts: list(desiredDomain, { max: 100_000 }), removes: list(id, { max: 100_000 }),
  }),
  in_sync: strict({ type: oneOf(['in_sync']), version, checksum: checksumOrEmpty }),
  rekey: strict({ type: oneOf(['rekey']), kid, key: sessionKey }),
  error: strict({ type: oneOf(['error']), code: str({ max: 64 }), message: shortText }),
  telemetry_ack: strict({ type: oneOf(['telemetry_ack']), batchId: str({ max: 64 }), ok: bool, code: nullable(str({ max: 64 })), message: nullable(str({ max: 2000 })) }),
});

const enrollReply = strict({
  type: oneOf(['enrolled']), agentId: id, teamId: id, kid, key: sessionKey,
  nodeFingerprints: list(hex64, { max: 64 }),
}, { optional: ['nodeFingerprints'] });

const refusal = strict({ type: oneOf(['refused']), code: str({ max: 64 }), message: shortText });

export interface EnrollReply {
  type: 'enrolled';
  agentId: string;
  teamId: string;
  kid: string;
  key: string;
  nodeFingerprints: string[];
}

export interface Refusal {
  type: 'refused';
  code: string;
  message: string;
}

export const checkNodeBody = (value: unknown): Checked<NodeBody> => run(nodeBody, value);
export const checkDesiredDomain = (value: unknown): Checked<DesiredDomain> => run(desiredDomain, value);
export const checkRefusal = (value: unknown): Checked<Refusal> => run(refusal, value);

/** An enrollment answer; a node that lists no fingerprints gives an empty list. */
export function checkEnrollReply(value: unknown): Checked<EnrollReply> {
  const r = run<EnrollReply>(enrollReply, value);
  return r.ok ? { ok: true, value: { ...r.value, nodeFingerprints: r.value.nodeFingerprints ?? [] } } : r;
}
