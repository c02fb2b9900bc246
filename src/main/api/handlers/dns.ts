// DNS records of a domain, validated per type with CNAME exclusivity, and the zone-file export.

import { NgError } from '../../../shared/errors';
import { randomId } from '../../../shared/ids';
import { checkCnameExclusivity, checkDnsRecord, normalizeDnsValue, normalizeOwnerName } from '../../../shared/api/dns-validation';
import { exportZone } from '../../../core/dns/zone';
import type { Handlers } from '../context';
import { dnsRecordView, ownedDoc } from '../views';
import type { Store } from '../../db/store';

const recordsOf = (store: Store, teamId: string, domainId: string) =>
  store.list('dns_records', { team: teamId }).filter((r) => r.teamId === teamId && r.domainId === domainId);

export const dnsHandlers: Handlers<'dns.list' | 'dns.upsert' | 'dns.delete' | 'dns.exportZone'> = {
  'dns.list': (input, { store }) => {
    ownedDoc(store, 'domains', input.domainId, input.teamId, 'domain');
    const records = recordsOf(store, input.teamId, input.domainId).map(dnsRecordView);
    return { records: records.sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type) || a.value.localeCompare(b.value)) };
  },

  'dns.upsert': (input, { store, actor }) => {
    const domain = ownedDoc(store, 'domains', input.domainId, input.teamId, 'domain');
    if (input.recordId !== undefined) {
      const existing = ownedDoc(store, 'dns_records', input.recordId, input.teamId, 'record');
      if (existing.domainId !== input.domainId) throw new NgError('NG_NOT_FOUND', `record ${input.recordId} not found in this domain`, { path: ['recordId'] });
    }
    const draft = { type: input.type, name: normalizeOwnerName(input.name) ?? input.name, value: input.value.trim(), priority: input.priority };
    const issue = checkDnsRecord(draft)[0];
    if (issue) throw new NgError('NG_VALIDATION', `${issue.field}: ${issue.message}`, { path: [issue.field] });
    if (draft.name !== '@' && `${draft.name}.${domain.hostname}`.length > 253) {
      throw new NgError('NG_VALIDATION', `name: ${draft.name}.${domain.hostname} is longer than 253 characters`, { path: ['name'] });
    }
    const record = { ...draft, value: normalizeDnsValue(draft) };
    const id = input.recordId ?? randomId('dns_').slice(0, 28);
    const saved = store.transaction(() => {
      const others = recordsOf(store, input.teamId, input.domainId).filter((r) => r.id !== id);
      const clash = checkCnameExclusivity(record, others);
      if (clash) throw new NgError('NG_VALIDATION', `${clash.field}: ${clash.message}`, { path: [clash.field] });
      const expected = input.recordId === undefined ? null : input.expectedVersion;
      return store.write('dns_records', id, { teamId: input.teamId, domainId: input.domainId, ...record, ttl: input.ttl }, { actor, ...(expected !== undefined ? { expectedVersion: expected } : {}) });
    });
    return { record: dnsRecordView(saved) };
  },

  'dns.delete': (input, { store, actor }) => {
    const existing = ownedDoc(store, 'dns_records', input.recordId, input.teamId, 'record');
    if (existing.domainId !== input.domainId) throw new NgError('NG_NOT_FOUND', `record ${input.recordId} not found in this domain`, { path: ['recordId'] });
    store.delete('dns_records', input.recordId, { actor, ...(input.expectedVersion ? { expectedVersion: input.expectedVersion } : {}) });
    return { ok: true as const };
  },

  'dns.exportZone': (input, { store, now }) => {
    const domain = ownedDoc(store, 'domains', input.domainId, input.teamId, 'domain');
    const zone = exportZone(domain, recordsOf(store, input.teamId, input.domainId), {
      serial: Math.max(1, Math.floor(now() / 1000)),
      ...(input.nameServers ? { nameServers: input.nameServers } : {}),
    });
    return { filename: `${domain.hostname}.zone`, zone };
  },
};
