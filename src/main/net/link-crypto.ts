// The cryptography of one peer link: the handshake proof (HMAC-SHA256 of the cluster key over
// both nonces, both certificate fingerprints and the prover's role), and the per-link key that
// seals a rotated cluster key.

import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type LinkRole = 'client' | 'server';

export interface ProofInput {
  key: Buffer;
  clientNonce: string;
  serverNonce: string;
  clientFingerprint: string;
  serverFingerprint: string;
  /** Who proves: a proof reflected back at its sender does not verify. */
  role: LinkRole;
}

const transcript = (label: string, p: Omit<ProofInput, 'key' | 'role'>, role: string): string =>
  [label, p.clientNonce, p.serverNonce, p.clientFingerprint, p.serverFingerprint, role].join('|');

export function computeProof(p: ProofInput): string {
  return createHmac('sha256', p.key).update(transcript('netgoat-peer-v1', p, p.role)).digest('hex');
}

export function verifyProof(p: ProofInput, proof: string): boolean {
  const expected = Buffer.from(computeProof(p), 'hex');
  const given = Buffer.from(proof, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A key only the two ends of this TLS channel can derive. */
export function linkKey(p: Omit<ProofInput, 'role'>): Buffer {
  return createHmac('sha256', p.key).update(transcript('netgoat-link-key-v1', p, 'both')).digest();
}

export const newNonce = (): string => randomBytes(32).toString('base64url');

export function seal(key: Buffer, plain: Buffer): { iv: string; sealed: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return { iv: iv.toString('base64url'), sealed: body.toString('base64url') };
}

/** Null when the box was tampered with or sealed under another key. */
export function open(key: Buffer, iv: string, sealed: string): Buffer | null {
  try {
    const body = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  } catch {
    return null;
  }
}
