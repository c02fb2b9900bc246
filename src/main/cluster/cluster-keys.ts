// The cluster key this node holds (and the one before the last rotation), in the node-local table.
// The key proves membership on every peer link; it is never replicated, logged or sent in clear.

import type Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { NgError } from '../../shared/errors';
import { CLUSTER_KEY_BYTES, base32Encode, formatJoinCode, parseJoinCode } from './join-code';

export interface HeldKey {
  keyId: string;
  key: Buffer;
}

/** A short public name of a key: peers compare key ids to find the key they share. */
export const keyIdOf = (key: Uint8Array): string => createHash('sha256').update('netgoat-key-id|').update(key).digest('hex').slice(0, 16);

/** The cluster id travels only as this hash, so a stranger's hello does not learn it. */
export const clusterIdHash = (clusterId: string): string => createHash('sha256').update(`netgoat-cluster-id|${clusterId}`).digest('hex');

export class ClusterKeys {
  constructor(private readonly db: Database.Database) {}

  /** The cluster this node belongs to, or null before create/join. */
  clusterId(): string | null {
    return (this.db.prepare("SELECT cluster_id FROM cluster_keys WHERE slot = 'current'").pluck().get() as string | undefined) ?? null;
  }

  current(): HeldKey | null {
    return this.slot('current');
  }

  previous(): HeldKey | null {
    return this.slot('previous');
  }

  /** Current first, then previous. */
  held(): HeldKey[] {
    return [this.current(), this.previous()].filter((k): k is HeldKey => k !== null);
  }

  keyFor(keyId: string): HeldKey | null {
    return this.held().find((k) => k.keyId === keyId) ?? null;
  }

  /** Start a new cluster; returns the join code, shown to the operator once. */
  create(): string {
    if (this.clusterId()) throw new NgError('NG_CONFLICT', `this node already belongs to cluster ${this.clusterId()}`);
    const clusterId = `c${base32Encode(randomBytes(8)).slice(0, 12)}`;
    const key = randomBytes(CLUSTER_KEY_BYTES);
    this.put('current', clusterId, key);
    return formatJoinCode(clusterId, key);
  }

  /** Take the key from a join code (the node then proves it to the peer it joins through); replaces any key held. */
  adopt(joinCode: string): void {
    const { clusterId, key } = parseJoinCode(joinCode);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM cluster_keys').run();
      this.put('current', clusterId, key);
    })();
  }

  /** Drop every key held: a join that failed leaves the node outside any cluster, as before. */
  forget(): void {
    this.db.prepare('DELETE FROM cluster_keys').run();
  }

  /** A fresh key after a member removal; the old one stays as `previous` for members offline now. */
  rotate(): HeldKey {
    return this.install(randomBytes(CLUSTER_KEY_BYTES));
  }

  /** Install a key received from a peer; only a rotation of the key held now is accepted. */
  acceptRotation(key: Buffer, previousKeyId: string): boolean {
    const current = this.current();
    if (!current || current.keyId !== previousKeyId) return false;
    this.install(key);
    return true;
  }

  private install(key: Buffer): HeldKey {
    const clusterId = this.clusterId();
    const current = this.current();
    if (!clusterId || !current) throw new NgError('NG_CONFLICT', 'this node belongs to no cluster yet');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM cluster_keys').run();
      this.put('previous', clusterId, current.key);
      this.put('current', clusterId, key);
    })();
    return { keyId: keyIdOf(key), key };
  }

  private put(slot: 'current' | 'previous', clusterId: string, key: Buffer): void {
    this.db.prepare('INSERT INTO cluster_keys (slot, cluster_id, key_id, key) VALUES (?, ?, ?, ?)').run(slot, clusterId, keyIdOf(key), key);
  }

  private slot(slot: 'current' | 'previous'): HeldKey | null {
    const row = this.db.prepare('SELECT key_id, key FROM cluster_keys WHERE slot = ?').get(slot) as { key_id: string; key: Buffer } | undefined;
    return row ? { keyId: row.key_id, key: row.key } : null;
  }
}
