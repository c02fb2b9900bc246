import { describe, expect, it } from 'vitest';
import { checksumsOf, entryOf, stateChecksum } from '../../core/desired/index';
import type { DesiredDomain } from '../../shared/wire/agent';
import { DesiredGroup } from './desired-groups';

const domain = (id: string, hostname: string): DesiredDomain => ({
  domainId: id, hostname, tls: { status: 'Pending', certificateId: null, notAfter: null }, wafEnabled: false, proxy: null, certificate: null,
});

describe('a desired group', () => {
  it("checksums its state (with node:crypto) exactly as agents check it (with the portable SHA-256), before and after a change", () => {
    const entries = new Map(Array.from({ length: 50 }, (_, i) => [`dom_${i}`, entryOf(domain(`dom_${i}`, `site-${i}.example.com`))]));
    const group = new DesiredGroup({ teamId: 'team_1', labels: [] }, entries);
    expect(group.checksum).toBe(stateChecksum(checksumsOf(entries)));
    const before = group.checksum;
    const beforeChecksums = checksumsOf(entries);

    expect(group.refresh(['dom_7', 'dom_new'], (id) => entryOf(domain(id, `changed-${id}.example.com`)))).toBe(true);
    expect(group.checksum).not.toBe(before);
    expect(group.checksum).toBe(stateChecksum(checksumsOf(group.entries)));
    expect(group.base(before)).toEqual(beforeChecksums);
  });
});
