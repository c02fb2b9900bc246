// Stored documents as the API shows them (shapes in src/shared/api/views.ts): ids and versions
// included, secrets left out.

import punycode from 'punycode/punycode.js';
import { NgError } from '../../shared/errors';
import type { CollectionName } from '../../shared/collections';
import type { Store, Stored } from '../db/store';
import type { ApiToken } from '../auth/api-tokens';

export const teamView = (t: Stored<'teams'>) => ({ id: t.id, version: t.version, name: t.name, createdAt: t.createdAt });

export const userView = (u: Stored<'users'>) => ({ id: u.id, email: u.email, displayName: u.displayName, owner: u.owner, disabled: u.disabled, createdAt: u.createdAt });

export function memberView(store: Store, m: Stored<'memberships'>) {
  const u = store.get('users', m.userId);
  return { userId: m.userId, teamId: m.teamId, email: u?.email ?? '(unknown user)', displayName: u?.displayName ?? m.userId, role: m.role, version: m.version };
}

function displayHostname(ascii: string): string {
  try {
    return punycode.toUnicode(ascii);
  } catch {
    return ascii;
  }
}

export const domainView = (d: Stored<'domains'>) => ({
  id: d.id, version: d.version, teamId: d.teamId, hostname: d.hostname, displayHostname: displayHostname(d.hostname),
  tls: d.tls, wafEnabled: d.wafEnabled, targetLabels: d.targetLabels, createdAt: d.createdAt,
});

export const dnsRecordView = (r: Stored<'dns_records'>) => ({
  id: r.id, version: r.version, teamId: r.teamId, domainId: r.domainId, type: r.type, name: r.name, value: r.value, ttl: r.ttl, priority: r.priority,
});

export const apiTokenView = (t: ApiToken) => ({
  id: t.id, teamId: t.teamId, name: t.name, scope: t.scope, createdBy: t.userId, createdAt: t.createdAt,
  expiresAt: t.expiresAt, revokedAt: t.revokedAt, lastUsedAt: t.lastUsedAt, prefix: t.prefix,
});

/**
 * A team-owned document by id, or NG_NOT_FOUND: also when it exists but belongs to another team,
 * so a caller can never learn about (or touch) another team's documents by guessing ids.
 */
export function ownedDoc<C extends CollectionName>(store: Store, collection: C, id: string, teamId: string, what: string): Stored<C> {
  const doc = store.get(collection, id) as (Stored<C> & { teamId?: string }) | undefined;
  if (!doc || doc.teamId !== teamId) throw new NgError('NG_NOT_FOUND', `${what} ${id} not found in this team`, { path: [`${what}Id`] });
  return doc;
}
