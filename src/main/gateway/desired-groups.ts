// Desired state is shared by every agent with the same team and labels: one group per label set,
// built once and updated per changed domain, with a short history of recent states so an agent
// that acknowledged one of them gets a diff instead of a full snapshot.

import { hash } from 'node:crypto';
import type { Store, Stored } from '../db/store';
import {
  buildDesired, checksumsOf, desiredDomain, entryOf, agentServes, stateChecksum,
  type AgentSelector, type CertificateMaterial, type DesiredChecksums, type DesiredEntry,
} from '../../core/desired/index';

/** SHA-256 by node:crypto: a group's state checksum is recomputed over every domain on each change. */
const sha256Hex = (text: string): string => hash('sha256', text, 'hex');

/** How many recent states of a group stay known as diff bases. */
const HISTORY = 16;

export type UnsealCertificate = (cert: Stored<'certificates'>) => CertificateMaterial;

export class DesiredGroup {
  readonly entries: Map<string, DesiredEntry>;
  checksum: string;
  /** state checksum → per-domain checksums, oldest first. */
  private readonly history = new Map<string, DesiredChecksums>();

  constructor(readonly selector: AgentSelector, entries: Map<string, DesiredEntry>) {
    this.entries = entries;
    this.checksum = stateChecksum(checksumsOf(entries), sha256Hex);
    this.remember();
  }

  /** The per-domain checksums of a recent state, or undefined when it is not (or no longer) known. */
  base(checksum: string): DesiredChecksums | undefined {
    return this.history.get(checksum);
  }

  /** Recomputes the given domains; returns whether the group's state changed. */
  refresh(domainIds: Iterable<string>, compute: (domainId: string) => DesiredEntry | null): boolean {
    let changed = false;
    for (const id of domainIds) {
      const next = compute(id);
      const prev = this.entries.get(id);
      if (next === null) {
        if (prev) {
          this.entries.delete(id);
          changed = true;
        }
      } else if (prev?.checksum !== next.checksum) {
        this.entries.set(id, next);
        changed = true;
      }
    }
    if (changed) {
      this.checksum = stateChecksum(checksumsOf(this.entries), sha256Hex);
      this.remember();
    }
    return changed;
  }

  private remember(): void {
    this.history.delete(this.checksum);
    this.history.set(this.checksum, checksumsOf(this.entries));
    if (this.history.size > HISTORY) this.history.delete(this.history.keys().next().value!);
  }
}

/** Reads the replicated documents for the desired-state builder. */
export class DesiredSourceReader {
  constructor(private readonly store: Store, private readonly unseal: UnsealCertificate) {}

  certificate(id: string): CertificateMaterial {
    const c = this.store.get('certificates', id);
    return c ? this.unseal(c) : null;
  }

  proxy(domainId: string): Stored<'proxy_configs'> | null {
    return this.store.get('proxy_configs', domainId) ?? null;
  }

  build(selector: AgentSelector): Map<string, DesiredEntry> {
    return buildDesired(selector, {
      domains: this.store.list('domains', { team: selector.teamId }),
      proxyFor: (id) => stripVersion(this.proxy(id)),
      certificateFor: (id) => this.certificate(id),
    });
  }

  /** One domain's entry for a selector, or null when the agent should not serve it. */
  entry(selector: AgentSelector, domainId: string): DesiredEntry | null {
    const d = this.store.get('domains', domainId);
    if (!d || !agentServes(selector, d)) return null;
    const cert = d.tls.certificateId !== null ? this.certificate(d.tls.certificateId) : null;
    return entryOf(desiredDomain(d, stripVersion(this.proxy(domainId)), cert));
  }
}

/** Stored documents carry id and version; the desired proxy config is the document alone. */
function stripVersion(p: Stored<'proxy_configs'> | null): Stored<'proxy_configs'> | null {
  if (!p) return null;
  const { id: _id, version: _version, ...doc } = p;
  return doc as Stored<'proxy_configs'>;
}
