// Domains and their DNS records.

import { z } from 'zod';
import { hostname, id, labels, teamId } from './common';

export const tlsStatus = z.enum(['Pending', 'Active', 'Expired']);

export const domain = z.strictObject({
  teamId,
  hostname,
  tls: z.strictObject({
    status: tlsStatus,
    certificateId: id.nullable(),
    notAfter: z.number().int().nonnegative().nullable(),
  }),
  wafEnabled: z.boolean(),
  /** Agents whose labels include all of these serve the domain. */
  targetLabels: labels,
  createdAt: z.number().int().nonnegative(),
});
export type Domain = z.infer<typeof domain>;

export const dnsType = z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT']);

export const dnsRecord = z.strictObject({
  teamId,
  domainId: id,
  type: dnsType,
  /** Relative owner name: "@" for the apex, or a label sequence like "www" or "_dmarc". */
  name: z.string().min(1).max(253),
  value: z.string().min(1).max(4000),
  ttl: z.number().int().min(30).max(604_800),
  priority: z.number().int().min(0).max(65_535).nullable(),
});
export type DnsRecord = z.infer<typeof dnsRecord>;
