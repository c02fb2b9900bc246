// The agent's plain message checks (src/agent/wire-check.ts, the envelope check in
// src/shared/wire/agent-envelope.ts) against the zod schemas the node validates with: for valid
// messages and for every single-field mutation of them, both must give the same verdict.

import { describe, expect, it } from 'vitest';
import { agentBody, desiredDomain, enrollReply, envelope, nodeBody, refusal } from '../../src/shared/wire/agent';
import { NonceWindow, openEnvelope, sealEnvelope } from '../../src/shared/wire/agent-envelope';
import { agentEnvelopeCrypto as c } from '../../src/agent/envelope-crypto';
import { checkDesiredDomain, checkEnrollReply, checkNodeBody, checkRefusal } from '../../src/agent/wire-check';
import { readCredentials, writeCredentials } from '../../src/agent/credentials';
import { checkSessionBody } from '../../src/main/gateway/agent-body-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const hex = (ch: string): string => ch.repeat(64);

const domain = {
  domainId: 'dom_a1',
  hostname: 'shop.example.com',
  tls: { status: 'Active', certificateId: 'cert_1', notAfter: 1_900_000_000_000 },
  wafEnabled: true,
  proxy: {
    teamId: 'team_1',
    domainId: 'dom_a1',
    upstreamPools: [
      { name: 'web', method: 'round_robin', servers: [{ host: '10.0.0.1', port: 8080, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false }, { host: '10.0.0.2', port: 8080, weight: 2, maxFails: 0, failTimeoutS: 5, backup: true }] },
      { name: 'api', method: 'ip_hash', servers: [{ host: 'api.internal.example.com', port: 9000, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false }] },
    ],
    routes: [{ path: '/', match: 'prefix', pool: 'web' }, { path: '/api', match: 'exact', pool: 'api' }],
    wafRules: [
      { id: 'admin', kind: 'path', pattern: '/admin', action: 'deny', mode: 'block' },
      { id: 'office', kind: 'ip', pattern: '192.168.0.0/16', action: 'allow', mode: 'log_only' },
      { id: 'bots', kind: 'header', pattern: 'X-Bot: yes', action: 'deny', mode: 'block' },
      { id: 'posts', kind: 'method', pattern: 'POST', action: 'deny', mode: 'block' },
      { id: 'curl', kind: 'user_agent', pattern: 'curl', action: 'deny', mode: 'block' },
    ],
    cache: { mode: 'standard', ttlSeconds: 60 },
    rateLimit: { enabled: true, requestsPerSecond: 50, burst: 10 },
    headers: [{ name: 'X-Frame-Options', value: 'DENY' }, { name: 'Content-Security-Policy', value: "default-src 'self'; img-src *" }],
  },
  certificate: { id: 'cert_1', chainPem: '-----BEGIN CERTIFICATE-----', keyPem: '-----BEGIN PRIVATE KEY-----' },
};
const plainDomain = { ...domain, domainId: 'dom_b2', tls: { status: 'Pending', certificateId: null, notAfter: null }, proxy: null, certificate: null };

const nodeMessages: unknown[] = [
  { type: 'full', version: 3, checksum: hex('a'), domains: [domain, plainDomain] },
  { type: 'diff', baseVersion: 2, baseChecksum: hex('b'), version: 3, checksum: hex('c'), upserts: [domain], removes: ['dom_x'] },
  { type: 'in_sync', version: 4, checksum: '' },
  { type: 'in_sync', version: 4, checksum: hex('d') },
  { type: 'rekey', kid: 'k_2', key: 'A'.repeat(43) },
  { type: 'error', code: 'NG_VALIDATION', message: 'bad' },
  { type: 'telemetry_ack', batchId: 'b1', ok: false, code: 'NG_RATE_LIMITED', message: null },
];

/** Values every leaf is replaced with in turn: wrong types, edges of ranges, and malformed text. */
const REPLACEMENTS: unknown[] = [
  null, true, 0, -1, 1.5, 70_000, 2 ** 60, '', 'x', 'UPPER', 'a'.repeat(300), 'x'.repeat(70_000), [], {}, '/p ath', '10.0.0.1', 'host.example.com', 'ip_hash',
  'round_robin', 'prefix', 'exact', 'ip', 'header', 'Active', 'dup', 'web', '/admin', 'bad\nline', 'ümlaut', hex('e'), 'X-Good',
];

/** Every single-field mutation of a value: each leaf replaced, each key removed, an unknown key added to each object. */
function* mutations(value: unknown): Generator<unknown> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) for (const m of mutations(value[i])) yield value.map((v, j) => (j === i ? m : v));
    if (value.length > 0) yield [...value, value[value.length - 1]];
    yield value.slice(1);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      for (const m of mutations(o[k])) yield { ...o, [k]: m };
      const { [k]: _, ...rest } = o;
      yield rest;
    }
    yield { ...o, extra: 1 };
    return;
  }
  yield* REPLACEMENTS;
}

interface Verdicts {
  compared: number;
  disagreements: { input: string; zod: boolean; plain: boolean }[];
}

function compare(inputs: Iterable<unknown>, zod: (v: unknown) => boolean, plain: (v: unknown) => boolean): Verdicts {
  const out: Verdicts = { compared: 0, disagreements: [] };
  for (const input of inputs) {
    out.compared++;
    const [z, p] = [zod(input), plain(input)];
    if (z !== p && out.disagreements.length < 5) out.disagreements.push({ input: JSON.stringify(input).slice(0, 400), zod: z, plain: p });
  }
  return out;
}

function* withMutations(values: readonly unknown[]): Generator<unknown> {
  for (const v of values) {
    yield v;
    yield* mutations(v);
  }
}

describe("the agent's plain message checks give the zod schemas' verdicts", () => {
  it('on node messages and every single-field mutation of them', () => {
    const r = compare(withMutations(nodeMessages), (v) => nodeBody.safeParse(v).success, (v) => checkNodeBody(v).ok);
    expect(r.disagreements).toEqual([]);
    expect(r.compared).toBeGreaterThan(5000);
    for (const m of nodeMessages) expect(checkNodeBody(m)).toEqual({ ok: true, value: m });
  });

  it('on cached domains, including the cross-field rules of pools, routes and WAF rules', () => {
    const pools = domain.proxy.upstreamPools;
    const special = [
      { ...domain, proxy: { ...domain.proxy, upstreamPools: [{ ...pools[0]!, method: 'ip_hash' }] } },
      { ...domain, proxy: { ...domain.proxy, upstreamPools: [{ ...pools[0]!, servers: pools[0]!.servers.map((s) => ({ ...s, backup: true })) }] } },
      { ...domain, proxy: { ...domain.proxy, upstreamPools: [{ ...pools[0]!, servers: [...pools[0]!.servers, ...pools[1]!.servers] }] } },
      { ...domain, proxy: { ...domain.proxy, upstreamPools: [pools[0], pools[0]] } },
      { ...domain, proxy: { ...domain.proxy, routes: [domain.proxy.routes[0], domain.proxy.routes[0]] } },
      { ...domain, proxy: { ...domain.proxy, wafRules: [{ ...domain.proxy.wafRules[0]!, kind: 'ip' }] } },
      { ...domain, proxy: { ...domain.proxy, wafRules: [{ ...domain.proxy.wafRules[0]!, kind: 'header' }] } },
      { ...domain, proxy: { ...domain.proxy, wafRules: [{ ...domain.proxy.wafRules[0]!, kind: 'method' }] } },
      { ...domain, proxy: { ...domain.proxy, wafRules: [{ ...domain.proxy.wafRules[0]!, pattern: '/a$b' }] } },
      { ...domain, proxy: { ...domain.proxy, headers: [{ name: 'X Bad', value: 'v' }] } },
      { ...domain, proxy: { ...domain.proxy, headers: [{ name: 'X-Ok', value: 'tab\there' }] } },
      { ...domain, proxy: { ...domain.proxy, upstreamPools: [{ ...pools[1]!, servers: [{ ...pools[1]!.servers[0]!, host: 'API.example.com' }] }] } },
      { ...domain, proxy: { ...domain.proxy, upstreamPools: [{ ...pools[1]!, servers: [{ ...pools[1]!.servers[0]!, host: '::1' }] }] } },
    ];
    const r = compare(withMutations([domain, plainDomain, ...special]), (v) => desiredDomain.safeParse(v).success, (v) => checkDesiredDomain(v).ok);
    expect(r.disagreements).toEqual([]);
    expect(special.filter((d) => checkDesiredDomain(d).ok)).toHaveLength(1);
  });

  it('on enrollment answers and refusals', () => {
    const reply = { type: 'enrolled', agentId: 'agt_1', teamId: 'team_1', kid: 'k1', key: 'B'.repeat(43), nodeFingerprints: [hex('f')] };
    const { nodeFingerprints: _, ...without } = reply;
    expect(compare(withMutations([reply, without]), (v) => enrollReply.safeParse(v).success, (v) => checkEnrollReply(v).ok).disagreements).toEqual([]);
    expect(checkEnrollReply(without)).toEqual({ ok: true, value: { ...without, nodeFingerprints: [] } });
    const no = { type: 'refused', code: 'NG_UNAUTHENTICATED', message: 'unknown token' };
    expect(compare(withMutations([no]), (v) => refusal.safeParse(v).success, (v) => checkRefusal(v).ok).disagreements).toEqual([]);
  });

  it('on signed envelopes', () => {
    const key = { kid: 'k1', secret: 'C'.repeat(43) };
    const now = 1_800_000_000_000;
    const valid = JSON.parse(sealEnvelope(c, key, '{"type":"in_sync","version":1,"checksum":""}', now)) as Record<string, unknown>;
    const opensAsEnvelope = (v: unknown): boolean => {
      const r = openEnvelope(c, JSON.stringify(v), { maxBytes: 1_000_000, now, keyFor: () => ({ secret: key.secret, window: new NonceWindow() }) });
      return r.ok || !r.error.message.startsWith('message is not a signed envelope');
    };
    const r = compare(withMutations([valid, { ...valid, ts: 0 }]), (v) => envelope.safeParse(v).success, opensAsEnvelope);
    expect(r.disagreements).toEqual([]);
  });
});

describe("the gateway's plain session-body check gives the zod schema's verdicts", () => {
  const report = { ok: false, code: 'NG_NGINX_INVALID', message: 'nginx: [emerg] unknown directive', domainId: 'dom_a1', durationMs: 12.5, rolledBack: true };
  const agentMessages: unknown[] = [
    { type: 'hello', agentId: 'agt_1', appliedVersion: 3, appliedChecksum: hex('a'), agentVersion: '0.1.0' },
    { type: 'hello', agentId: 'agt_1', appliedVersion: 0, appliedChecksum: '', agentVersion: '' },
    { type: 'ack', version: 4, appliedVersion: 4, appliedChecksum: hex('b'), report: { ok: true, code: null, message: null, domainId: null, durationMs: 0, rolledBack: false } },
    { type: 'ack', version: 4, appliedVersion: 3, appliedChecksum: '', report },
    {
      type: 'heartbeat', appliedVersion: 4,
      nginx: { up: true, active: 1, accepts: 2, handled: 3, requests: 4, reading: 5, writing: 6, waiting: 7 },
      host: { loadavg: [0.5, 0.25, 0], memTotalMb: 2048, memFreeMb: 1024.5, uptimeS: 99 },
    },
  ];
  // agentBody also holds telemetry batches, which the gateway hands to TelemetryIngest before this check.
  const zodVerdict = (v: unknown): boolean => (v as { type?: unknown } | null)?.type !== 'telemetry' && agentBody.safeParse(v).success;

  it('on hello, ack and heartbeat and every single-field mutation of them', () => {
    const r = compare(withMutations(agentMessages), zodVerdict, (v) => checkSessionBody(v).ok);
    expect(r.disagreements).toEqual([]);
    expect(r.compared).toBeGreaterThan(1000);
    for (const m of agentMessages) expect(checkSessionBody(m)).toEqual({ ok: true, body: m });
  });

  it('refuses with NG_BAD_MESSAGE naming the field', () => {
    const r = checkSessionBody({ ...(agentMessages[2] as object), report: { ...report, durationMs: -1 } });
    expect(r).toMatchObject({ ok: false, error: { code: 'NG_BAD_MESSAGE', path: ['report', 'durationMs'] } });
    expect(r.ok ? '' : r.error.message).toMatch(/^report\.durationMs: /);
  });
});

describe('the credentials file', () => {
  it('reads what was written and refuses a malformed one with the field named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netgoat-creds-'));
    try {
      const path = join(dir, 'credentials.json');
      const creds = { agentId: 'agt_1', teamId: 'team_1', nodeUrls: ['wss://n1:8443/agent/v1'], keys: [{ kid: 'k1', secret: 's' }], nodeFingerprints: [hex('a')] };
      writeCredentials(path, creds);
      expect(readCredentials(path)).toEqual(creds);
      writeFileSync(path, JSON.stringify({ ...creds, nodeUrls: ['http://n1'] }));
      expect(() => readCredentials(path)).toThrow(/nodeUrls\.0 does not match/);
      writeFileSync(path, JSON.stringify({ ...creds, keys: [] }));
      expect(() => readCredentials(path)).toThrow(/keys must hold at least 1/);
      writeFileSync(path, JSON.stringify({ ...creds, extra: 1 }));
      expect(() => readCredentials(path)).toThrow(/extra is not a known field/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
