// What makes a DNS record valid, per type, and which records may share an owner name. Pure, so the
// UI can show the same message next to the field that the node refuses with.

import { normalizeHostname } from '../hostname';
import type { DnsRecord } from '../schemas/domains';

export interface DnsIssue {
  /** Field of the record that is wrong. */
  field: 'name' | 'value' | 'priority' | 'type';
  message: string;
}

/** The record fields the rules look at. */
export type DnsRecordDraft = Pick<DnsRecord, 'type' | 'name' | 'value' | 'priority'>;

const OWNER_LABEL_RE = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

export function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIpv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (part: string): string[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const last = groups[groups.length - 1]!;
    // An embedded IPv4 address (e.g. ::ffff:192.0.2.1) counts as two groups.
    if (last.includes('.')) {
      if (!isIpv4(last)) return null;
      groups.splice(groups.length - 1, 1, '0', '0');
    }
    return groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? groups : null;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return false;
  if (halves.length === 2 && halves[0]!.includes('.')) return false;
  const count = head.length + tail.length;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** The canonical owner name ("@" or lower-case relative labels), or null when it is not one. */
export function normalizeOwnerName(name: string): string | null {
  const trimmed = name.trim().toLowerCase().replace(/\.$/, '');
  if (trimmed === '@' || trimmed === '') return trimmed === '@' ? '@' : null;
  const labels = trimmed.split('.');
  if (trimmed.length > 200) return null;
  for (const [i, label] of labels.entries()) {
    if (i === 0 && label === '*') continue;
    if (!OWNER_LABEL_RE.test(label)) return null;
  }
  return trimmed;
}

/** Problems with one record on its own (type-specific value and priority rules). */
export function checkDnsRecord(r: DnsRecordDraft): DnsIssue[] {
  const issues: DnsIssue[] = [];
  const owner = normalizeOwnerName(r.name);
  if (owner === null) issues.push({ field: 'name', message: 'name must be "@" for the domain itself, or labels of letters, digits, "_" or "-" (e.g. "www", "_dmarc", "*.dev")' });
  switch (r.type) {
    case 'A':
      if (!isIpv4(r.value)) issues.push({ field: 'value', message: 'an A record needs an IPv4 address such as 192.0.2.10' });
      break;
    case 'AAAA':
      if (!isIpv6(r.value)) issues.push({ field: 'value', message: 'an AAAA record needs an IPv6 address such as 2001:db8::10' });
      break;
    case 'CNAME':
    case 'MX': {
      const target = normalizeHostname(r.value);
      if (!target.ok) issues.push({ field: 'value', message: `the target must be a full hostname: ${target.reason}` });
      if (r.type === 'CNAME' && owner === '@') issues.push({ field: 'name', message: 'a CNAME cannot be at the domain apex ("@"): the apex must keep its SOA and NS records' });
      break;
    }
    case 'TXT':
      if (!/^[\x20-\x7e]*$/.test(r.value)) issues.push({ field: 'value', message: 'TXT text must be printable ASCII (no tabs or line breaks)' });
      break;
  }
  if (r.type === 'MX' && r.priority === null) issues.push({ field: 'priority', message: 'an MX record needs a priority (0-65535; lower is preferred)' });
  if (r.type !== 'MX' && r.priority !== null) issues.push({ field: 'priority', message: `a ${r.type} record has no priority; leave it empty` });
  return issues;
}

/**
 * CNAME exclusivity: a name with a CNAME has no other record, CNAME or otherwise. `others` are the
 * domain's other records (the one being edited excluded).
 */
export function checkCnameExclusivity(r: DnsRecordDraft, others: readonly DnsRecordDraft[]): DnsIssue | null {
  const owner = normalizeOwnerName(r.name);
  const same = others.filter((o) => normalizeOwnerName(o.name) === owner);
  if (same.length === 0) return null;
  if (r.type === 'CNAME') return { field: 'name', message: `"${r.name}" already has ${same.length} other record(s); a CNAME must be the only record at its name` };
  if (same.some((o) => o.type === 'CNAME')) return { field: 'name', message: `"${r.name}" has a CNAME; no other record may share its name` };
  return null;
}

/** The value as stored: addresses as typed, hostnames canonical (punycode, lower case). */
export function normalizeDnsValue(r: DnsRecordDraft): string {
  if (r.type === 'CNAME' || r.type === 'MX') {
    const target = normalizeHostname(r.value);
    return target.ok ? target.hostname : r.value;
  }
  if (r.type === 'AAAA') return r.value.toLowerCase();
  return r.value;
}
