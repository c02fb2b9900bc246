// The join code shown once when a cluster is created: `ngj1-<clusterId>-<key in base32>-<check>`.
// The check (4 base32 characters of a SHA-256) catches typos before any network traffic.

import { createHash } from 'node:crypto';
import { NgError } from '../../shared/errors';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const CLUSTER_ID_RE = /^c[a-z2-7]{12}$/;
export const CLUSTER_KEY_BYTES = 32;

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new NgError('NG_VALIDATION', `join code holds "${ch}", which is not base32`, { path: ['joinCode'] });
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

const checkOf = (clusterId: string, key: Uint8Array): string =>
  base32Encode(createHash('sha256').update(`netgoat-join-v1|${clusterId}|`).update(key).digest()).slice(0, 4);

export function formatJoinCode(clusterId: string, key: Uint8Array): string {
  return `ngj1-${clusterId}-${base32Encode(key)}-${checkOf(clusterId, key)}`;
}

export function parseJoinCode(code: string): { clusterId: string; key: Buffer } {
  const parts = code.trim().toLowerCase().split('-');
  if (parts.length !== 4 || parts[0] !== 'ngj1') throw new NgError('NG_VALIDATION', 'a join code looks like ngj1-<cluster>-<key>-<check>', { path: ['joinCode'] });
  const [, clusterId, keyText, check] = parts as [string, string, string, string];
  if (!CLUSTER_ID_RE.test(clusterId)) throw new NgError('NG_VALIDATION', 'the cluster part of the join code is malformed', { path: ['joinCode'] });
  const key = base32Decode(keyText);
  if (key.length !== CLUSTER_KEY_BYTES) throw new NgError('NG_VALIDATION', 'the key part of the join code has the wrong length', { path: ['joinCode'] });
  if (checkOf(clusterId, key) !== check) throw new NgError('NG_VALIDATION', 'the join code has a typo (its check characters do not match)', { path: ['joinCode'] });
  return { clusterId, key };
}
