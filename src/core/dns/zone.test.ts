import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCnameExclusivity, checkDnsRecord } from '../../shared/api/dns-validation';
import { exportZone, quoteTxt, type ZoneRecord } from './zone';

const hasCheckzone = spawnSync('named-checkzone', ['-v']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'ng-zone-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function checkzone(apex: string, text: string): { ok: boolean; out: string } {
  const file = join(dir, `${apex}.zone`);
  writeFileSync(file, text);
  const r = spawnSync('named-checkzone', [apex, file], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const owner = fc.oneof(fc.constant('@'), label, fc.tuple(label, label).map(([a, b]) => `${a}.${b}`), label.map((l) => `_${l}`), label.map((l) => `*.${l}`));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const target = fc.tuple(label, fc.constantFrom('example.net', 'example.com')).map(([l, d]) => `${l}.${d}`);
const record: fc.Arbitrary<ZoneRecord> = fc.oneof(
  fc.record({ type: fc.constant('A' as const), name: owner, value: ipv4, ttl: fc.integer({ min: 30, max: 86_400 }), priority: fc.constant(null) }),
  fc.record({ type: fc.constant('AAAA' as const), name: owner, value: fc.ipV6(), ttl: fc.integer({ min: 30, max: 86_400 }), priority: fc.constant(null) }),
  fc.record({ type: fc.constant('CNAME' as const), name: owner, value: target, ttl: fc.integer({ min: 30, max: 86_400 }), priority: fc.constant(null) }),
  fc.record({ type: fc.constant('MX' as const), name: owner, value: target, ttl: fc.integer({ min: 30, max: 86_400 }), priority: fc.integer({ min: 0, max: 65_535 }) }),
  fc.record({ type: fc.constant('TXT' as const), name: owner, value: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 700 }), ttl: fc.integer({ min: 30, max: 86_400 }), priority: fc.constant(null) }),
);

/** Keeps the records the API would accept, in order, as dns.upsert would. */
function acceptable(records: ZoneRecord[]): ZoneRecord[] {
  const kept: ZoneRecord[] = [];
  for (const r of records) if (checkDnsRecord(r).length === 0 && !checkCnameExclusivity(r, kept)) kept.push(r);
  return kept;
}

describe('zone export', () => {
  it('quotes TXT in chunks of at most 255 bytes and escapes quotes and backslashes', () => {
    expect(quoteTxt('say "hi" \\o/')).toBe('"say \\"hi\\" \\\\o/"');
    const long = quoteTxt('a'.repeat(600));
    expect(long.split(' ').map((c) => c.length - 2)).toEqual([255, 255, 90]);
  });

  it('refuses an in-zone name server without an address record, naming the field', () => {
    expect(() => exportZone({ hostname: 'example.com' }, [], { serial: 1 })).toThrow(/ns1\.example\.com.*no A or AAAA/);
    const glued = exportZone({ hostname: 'example.com' }, [{ type: 'A', name: 'ns1', value: '192.0.2.53', ttl: 300, priority: null }], { serial: 1 });
    expect(glued).toMatch(/^@ +IN NS +ns1\.example\.com\.$/m);
  });

  it.skipIf(!hasCheckzone)('named-checkzone accepts every zone built from records the API accepts', () => {
    expect(execFileSync('named-checkzone', ['-v'], { encoding: 'utf8' })).toMatch(/\d/);
    fc.assert(
      fc.property(fc.array(record, { maxLength: 25 }), fc.integer({ min: 1, max: 0xffff_ffff }), (raw, serial) => {
        const records = acceptable(raw);
        const text = exportZone({ hostname: 'example.com' }, records, { serial, nameServers: ['ns1.example.net', 'ns2.example.org'] });
        const r = checkzone('example.com', text);
        if (!r.ok) throw new Error(`named-checkzone refused:\n${r.out}\n${text}`);
      }),
      { numRuns: 40 },
    );
  });

  it.skipIf(!hasCheckzone)('named-checkzone accepts the default NS once it has an address, and a punycode apex', () => {
    const apex = 'xn--bcher-kva.example';
    const text = exportZone({ hostname: apex }, [
      { type: 'A', name: 'ns1', value: '192.0.2.53', ttl: 300, priority: null },
      { type: 'MX', name: '@', value: 'mail.example.net', ttl: 300, priority: 10 },
      { type: 'TXT', name: '@', value: `v=spf1 -all ${'x'.repeat(300)} "quoted" \\`, ttl: 300, priority: null },
      { type: 'CNAME', name: 'www', value: 'xn--bcher-kva.example', ttl: 300, priority: null },
    ], { serial: 2024010101 });
    const r = checkzone(apex, text);
    expect(r.out).toContain('OK');
    expect(r.ok).toBe(true);
  });
});
