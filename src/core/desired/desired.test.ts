import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Domain } from '../../shared/schemas/domains';
import type { DesiredDomain } from '../../shared/wire/agent';
import { agentServes, applyDiff, buildDesired, checksumsOf, diffDesired, entryOf, stateChecksum, type DesiredEntry } from './index';

const domainArb = (id: string): fc.Arbitrary<DesiredDomain> =>
  fc.record({ host: fc.constantFrom('a.test', 'b.test', 'c.test'), waf: fc.boolean() }).map(({ host, waf }) => ({
    domainId: id, hostname: `${id}.${host}`, tls: { status: 'Pending', certificateId: null, notAfter: null }, wafEnabled: waf, proxy: null, certificate: null,
  }));

const setArb: fc.Arbitrary<Map<string, DesiredEntry>> = fc
  .uniqueArray(fc.constantFrom('d1', 'd2', 'd3', 'd4', 'd5', 'd6'), { maxLength: 6 })
  .chain((ids) => fc.tuple(...ids.map(domainArb)))
  .map((ds) => new Map(ds.map((d) => [d.domainId, entryOf(d)])));

describe('desired state diffs', () => {
  it('applying the diff from a base to a target yields exactly the target, checksum included', () => {
    fc.assert(fc.property(setArb, setArb, (base, next) => {
      const diff = diffDesired(checksumsOf(base), next);
      const rebuilt = applyDiff(base, diff);
      expect(checksumsOf(rebuilt)).toEqual(checksumsOf(next));
      expect(stateChecksum(checksumsOf(rebuilt))).toBe(stateChecksum(checksumsOf(next)));
    }));
  });

  it('a diff carries only the domains that changed', () => {
    fc.assert(fc.property(setArb, (base) => {
      const diff = diffDesired(checksumsOf(base), base);
      expect(diff.upserts).toEqual([]);
      expect(diff.removes).toEqual([]);
    }));
  });

  it('the state checksum does not depend on insertion order', () => {
    fc.assert(fc.property(setArb, (set) => {
      const reversed = new Map([...set].reverse());
      expect(stateChecksum(checksumsOf(reversed))).toBe(stateChecksum(checksumsOf(set)));
    }));
  });
});

describe('which agents serve a domain', () => {
  const domain = (id: string, teamId: string, targetLabels: string[]): Domain & { id: string } => ({
    id, teamId, hostname: `${id}.example.com`, tls: { status: 'Pending', certificateId: null, notAfter: null }, wafEnabled: false, targetLabels, createdAt: 1,
  });

  it('requires the same team and every target label', () => {
    expect(agentServes({ teamId: 't1', labels: ['edge', 'region=eu'] }, domain('a', 't1', ['edge']))).toBe(true);
    expect(agentServes({ teamId: 't1', labels: ['edge'] }, domain('a', 't1', ['edge', 'region=eu']))).toBe(false);
    expect(agentServes({ teamId: 't2', labels: ['edge'] }, domain('a', 't1', []))).toBe(false);
  });

  it('merges the proxy config and leaves the certificate out when it cannot be unsealed', () => {
    const d = { ...domain('a', 't1', []), tls: { status: 'Active' as const, certificateId: 'c1', notAfter: 5 } };
    const set = buildDesired({ teamId: 't1', labels: [] }, { domains: [d, domain('b', 't2', [])], proxyFor: () => null, certificateFor: () => null });
    expect([...set.keys()]).toEqual(['a']);
    expect(set.get('a')!.domain.certificate).toBeNull();
    const withCert = buildDesired({ teamId: 't1', labels: [] }, { domains: [d], proxyFor: () => null, certificateFor: () => ({ chainPem: 'C', keyPem: 'K' }) });
    expect(withCert.get('a')!.domain.certificate).toEqual({ id: 'c1', chainPem: 'C', keyPem: 'K' });
    expect(withCert.get('a')!.checksum).not.toBe(set.get('a')!.checksum);
  });
});
