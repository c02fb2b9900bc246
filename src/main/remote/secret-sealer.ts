// Sealing secrets at rest (AES-256-GCM). Remote-peer client secrets are replicated, so the key is
// cluster-wide: derived (HKDF) from the cluster key, which members hold and nothing else sees.
// Each sealed value is bound to where it lives (additional data), so it cannot be moved elsewhere.

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { ClusterKeys } from '../cluster/cluster-keys';
import { NgError } from '../../shared/errors';
import type { SealedSecret } from '../../shared/schemas/common';

export interface SealKey {
  kid: string;
  key: Buffer;
}

export interface SealKeys {
  /** The key new secrets are sealed under; null when the node holds none (not in a cluster). */
  current(): SealKey | null;
  /** A key by id, for secrets sealed before a rotation. */
  byId(kid: string): Buffer | null;
}

export class SecretSealer {
  constructor(private readonly keys: SealKeys) {}

  /** Seals `plaintext` for the place named by `context` (e.g. "_system_remote_peers/n1/clientSecret"). */
  seal(plaintext: string, context: string): SealedSecret {
    const current = this.keys.current();
    if (!current) throw new NgError('NG_UNAVAILABLE', 'this node holds no cluster key yet, so it cannot store a secret; create or join a cluster first');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv).setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { alg: 'aes-256-gcm', kid: current.kid, iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url'), ct: ct.toString('base64url') };
  }

  /** The plaintext, for use in memory only: callers must not store, log or return it. */
  open(sealed: SealedSecret, context: string): string {
    const key = this.keys.byId(sealed.kid);
    if (!key) throw new NgError('NG_REVOKED', `the secret at ${context} was sealed under key ${sealed.kid}, which this node no longer holds; enter it again`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url')).setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new NgError('NG_BAD_SIGNATURE', `the secret at ${context} does not decrypt (tampered, or moved from another record)`);
    }
  }
}

const deriveSealKey = (clusterKey: Buffer, keyId: string): Buffer =>
  Buffer.from(hkdfSync('sha256', clusterKey, Buffer.from('netgoat-sealed-secrets'), Buffer.from(`seal|${keyId}`), 32));

/** Seal keys derived from the cluster keys this node holds (current and the one before the last rotation). */
export function clusterSealKeys(clusterKeys: Pick<ClusterKeys, 'current' | 'keyFor'>): SealKeys {
  return {
    current: () => {
      const held = clusterKeys.current();
      return held ? { kid: held.keyId, key: deriveSealKey(held.key, held.keyId) } : null;
    },
    byId: (kid) => {
      const held = clusterKeys.keyFor(kid);
      return held ? deriveSealKey(held.key, held.keyId) : null;
    },
  };
}

/** A fixed key (tests, and nodes outside a cluster that still need to seal, e.g. a standalone cloud peer). */
export function staticSealKeys(key: Buffer, kid = 'local'): SealKeys {
  return { current: () => ({ kid, key }), byId: (k) => (k === kid ? key : null) };
}
