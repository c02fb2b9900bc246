// One agent's desired state: the team's domains whose target labels the agent carries, each merged
// with its proxy config and certificate, with a checksum per domain and one for the whole set.

import { canonicalJson } from '../../shared/canonical-json';
import { sha256Hex } from '../../shared/sha256';
import type { Domain } from '../../shared/schemas/domains';
import type { ProxyConfig } from '../../shared/schemas/proxy';
import type { DesiredDomain } from '../../shared/wire/agent';

export interface DesiredEntry {
  domain: DesiredDomain;
  checksum: string;
}

/** Domain id → entry. Iteration order is not significant; checksums are order-free. */
export type DesiredSet = ReadonlyMap<string, DesiredEntry>;

/** Just the checksums of a set: all a node needs to remember of an acknowledged state. */
export type DesiredChecksums = ReadonlyMap<string, string>;

export interface AgentSelector {
  teamId: string;
  labels: readonly string[];
}

/** A domain is served by an agent of its team that carries every one of its target labels. */
export function agentServes(agent: AgentSelector, domain: Pick<Domain, 'teamId' | 'targetLabels'>): boolean {
  if (domain.teamId !== agent.teamId) return false;
  return domain.targetLabels.every((l) => agent.labels.includes(l));
}

/** The key agents share a desired state by: same team and same label set. */
export const selectorKey = (agent: AgentSelector): string => `${agent.teamId}\u0000${[...new Set(agent.labels)].sort().join(',')}`;

export type CertificateMaterial = { chainPem: string; keyPem: string } | null;

export function desiredDomain(domain: Domain & { id: string }, proxy: ProxyConfig | null, certificate: CertificateMaterial): DesiredDomain {
  const certId = domain.tls.certificateId;
  return {
    domainId: domain.id,
    hostname: domain.hostname,
    tls: { status: domain.tls.status, certificateId: certId, notAfter: domain.tls.notAfter },
    wafEnabled: domain.wafEnabled,
    proxy,
    certificate: certId !== null && certificate ? { id: certId, chainPem: certificate.chainPem, keyPem: certificate.keyPem } : null,
  };
}

export const domainChecksum = (d: DesiredDomain): string => sha256Hex(canonicalJson(d));

export const entryOf = (d: DesiredDomain): DesiredEntry => ({ domain: d, checksum: domainChecksum(d) });

/**
 * Checksum of a whole state: SHA-256 over "id checksum" lines in id order (the empty state has one
 * too). The node passes node:crypto's SHA-256 (same digest, ~10× faster than the portable one here).
 */
export function stateChecksum(checksums: Iterable<[string, string]>, sha256HexOf: (text: string) => string = sha256Hex): string {
  const lines = [...checksums].map(([id, c]) => `${id} ${c}\n`).sort();
  return sha256HexOf(lines.join(''));
}

export const checksumsOf = (set: DesiredSet): Map<string, string> => new Map([...set].map(([id, e]) => [id, e.checksum]));

export interface DesiredSources {
  domains: readonly (Domain & { id: string })[];
  proxyFor(domainId: string): ProxyConfig | null;
  certificateFor(certificateId: string): CertificateMaterial;
}

/** Builds the desired set of one agent from the replicated documents. */
export function buildDesired(agent: AgentSelector, sources: DesiredSources): Map<string, DesiredEntry> {
  const out = new Map<string, DesiredEntry>();
  for (const d of sources.domains) {
    if (!agentServes(agent, d)) continue;
    const cert = d.tls.certificateId !== null ? sources.certificateFor(d.tls.certificateId) : null;
    out.set(d.id, entryOf(desiredDomain(d, sources.proxyFor(d.id), cert)));
  }
  return out;
}
