// The replicated member list as the peer mesh sees it: one `members` document per node, keyed by
// node id, pinning the fingerprint of the certificate the node presented when it first linked.

import type { Store, Stored } from '../db/store';

export type Member = Stored<'members'>;

export const memberOf = (store: Store, nodeId: string): Member | undefined => store.get('members', nodeId);

export const listMembers = (store: Store): Member[] => store.list('members');

export function recordMember(store: Store, m: { nodeId: string; name: string; certFingerprint: string; priority: number; address: string | null }): void {
  store.write('members', m.nodeId, { ...m, removed: false, joinedAt: Date.now() }, { actor: 'system' });
}
