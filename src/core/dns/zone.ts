// A domain's DNS records as a BIND zone file, with a synthesized SOA and apex NS records. Pure:
// the caller supplies the serial, so the same records always give the same text.

import { NgError } from '../../shared/errors';
import { normalizeOwnerName } from '../../shared/api/dns-validation';
import type { DnsRecord } from '../../shared/schemas/domains';

export type ZoneRecord = Pick<DnsRecord, 'type' | 'name' | 'value' | 'ttl' | 'priority'>;

export interface ZoneOptions {
  /** SOA serial, 1 .. 2^32-1 (e.g. seconds since the epoch of the export). */
  serial: number;
  /** Apex NS targets (ASCII hostnames); default ns1.<domain>. An in-zone one needs an A or AAAA record. */
  nameServers?: readonly string[];
  /** SOA RNAME as a hostname; default hostmaster.<domain>. */
  hostmaster?: string;
  defaultTtl?: number;
  refresh?: number;
  retry?: number;
  expire?: number;
  negativeTtl?: number;
}

const fqdn = (host: string): string => `${host.replace(/\.$/, '')}.`;

/** TXT text as quoted character-strings of at most 255 bytes each (the text is printable ASCII). */
export function quoteTxt(text: string): string {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += 255) chunks.push(text.slice(i, i + 255));
  if (chunks.length === 0) chunks.push('');
  return chunks.map((c) => `"${c.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`).join(' ');
}

function rdata(r: ZoneRecord): string {
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return r.value;
    case 'CNAME':
      return fqdn(r.value);
    case 'MX':
      return `${r.priority ?? 0} ${fqdn(r.value)}`;
    case 'TXT':
      return quoteTxt(r.value);
  }
}

/** Owner name relative to the apex ("@" for the apex itself). */
function inZoneOwner(apex: string, host: string): string | null {
  const h = host.replace(/\.$/, '').toLowerCase();
  if (h === apex) return '@';
  return h.endsWith(`.${apex}`) ? h.slice(0, -(apex.length + 1)) : null;
}

export function exportZone(domain: { hostname: string }, records: readonly ZoneRecord[], opts: ZoneOptions): string {
  const apex = domain.hostname.replace(/\.$/, '').toLowerCase();
  if (!Number.isInteger(opts.serial) || opts.serial < 1 || opts.serial > 0xffff_ffff) {
    throw new NgError('NG_VALIDATION', `the SOA serial must be an integer from 1 to 4294967295, not ${opts.serial}`, { path: ['serial'] });
  }
  const nameServers = (opts.nameServers ?? [`ns1.${apex}`]).map((n) => n.replace(/\.$/, '').toLowerCase());
  const owners = records.map((r) => normalizeOwnerName(r.name) ?? r.name);
  for (const [i, ns] of nameServers.entries()) {
    const owner = inZoneOwner(apex, ns);
    if (owner !== null && !records.some((r, j) => (r.type === 'A' || r.type === 'AAAA') && owners[j] === owner)) {
      throw new NgError('NG_VALIDATION', `name server ${ns} is inside ${apex} but has no A or AAAA record: add one, or name a server outside the zone`, { path: ['nameServers', i] });
    }
  }
  for (const [i, owner] of owners.entries()) {
    const full = owner === '@' ? apex : `${owner}.${apex}`;
    if (full.length > 253) throw new NgError('NG_VALIDATION', `record name ${full.slice(0, 60)}... is longer than 253 characters`, { path: ['records', i, 'name'] });
  }

  const hostmaster = opts.hostmaster ?? `hostmaster.${apex}`;
  const width = Math.max(1, ...owners.map((o) => o.length));
  const line = (owner: string, ttl: number | null, type: string, data: string): string =>
    `${owner.padEnd(width)} ${ttl === null ? '' : `${ttl} `}IN ${type.padEnd(5)} ${data}`;

  const sorted = records
    .map((r, i) => ({ r, owner: owners[i]! }))
    .sort((a, b) => (a.owner === '@' ? -1 : b.owner === '@' ? 1 : a.owner.localeCompare(b.owner)) || a.r.type.localeCompare(b.r.type) || a.r.value.localeCompare(b.r.value));

  const out = [
    `; Zone file for ${apex}, exported by Netgoat. SOA and apex NS are synthesized.`,
    `$ORIGIN ${fqdn(apex)}`,
    `$TTL ${opts.defaultTtl ?? 3600}`,
    line('@', null, 'SOA', `${fqdn(nameServers[0]!)} ${fqdn(hostmaster)} ( ${opts.serial} ${opts.refresh ?? 3600} ${opts.retry ?? 900} ${opts.expire ?? 1_209_600} ${opts.negativeTtl ?? 300} )`),
    ...nameServers.map((ns) => line('@', null, 'NS', fqdn(ns))),
    ...sorted.map(({ r, owner }) => line(owner, r.ttl, r.type, rdata(r))),
  ];
  return `${out.join('\n')}\n`;
}
