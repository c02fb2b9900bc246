// The pieces of trust: join codes catch typos, proofs bind both nonces, both certificates and the
// prover's role, sealed keys refuse tampering, and reconnect delays stay within 1 s → 60 s.

import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, formatJoinCode, parseJoinCode } from '../../src/main/cluster/join-code';
import { computeProof, linkKey, newNonce, open, seal, verifyProof, type ProofInput } from '../../src/main/net/link-crypto';
import { Backoff } from '../../src/main/net/backoff';

const fp = () => randomBytes(32).toString('hex');

describe('join codes', () => {
  it('round-trip any key and base32 round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
      const code = formatJoinCode('cabcdefgh2345', bytes);
      const parsed = parseJoinCode(code);
      expect(parsed.clusterId).toBe('cabcdefgh2345');
      expect([...parsed.key]).toEqual([...bytes]);
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect([...base32Decode(base32Encode(bytes))]).toEqual([...bytes]);
    }));
  });

  it('refuses a code with one character changed', () => {
    const code = formatJoinCode('cabcdefgh2345', randomBytes(32));
    const at = code.length - 10;
    const typo = code.slice(0, at) + (code[at] === 'a' ? 'b' : 'a') + code.slice(at + 1);
    expect(() => parseJoinCode(typo)).toThrow(/typo/);
    expect(() => parseJoinCode('ngj2-x')).toThrow(/ngj1/);
  });
});

describe('handshake proof', () => {
  const base = (): ProofInput => ({ key: randomBytes(32), clientNonce: newNonce(), serverNonce: newNonce(), clientFingerprint: fp(), serverFingerprint: fp(), role: 'client' });

  it('verifies only the exact transcript and role it was made for', () => {
    const p = base();
    const proof = computeProof(p);
    expect(verifyProof(p, proof)).toBe(true);
    expect(verifyProof({ ...p, role: 'server' }, proof)).toBe(false);
    expect(verifyProof({ ...p, key: randomBytes(32) }, proof)).toBe(false);
    expect(verifyProof({ ...p, serverFingerprint: fp() }, proof)).toBe(false);
    expect(verifyProof({ ...p, clientNonce: newNonce() }, proof)).toBe(false);
    expect(verifyProof(p, proof.slice(0, 10))).toBe(false);
  });

  it('seals a key so that only this link opens it, and any change is detected', () => {
    const p = base();
    const k = linkKey(p);
    const secret = randomBytes(32);
    const box = seal(k, secret);
    expect(open(k, box.iv, box.sealed)?.equals(secret)).toBe(true);
    expect(open(linkKey({ ...p, serverNonce: newNonce() }), box.iv, box.sealed)).toBeNull();
    const flipped = Buffer.from(box.sealed, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(open(k, box.iv, flipped.toString('base64url'))).toBeNull();
  });
});

describe('reconnect backoff', () => {
  it('grows from about 1 s to at most 60 s with jitter, and resets', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 20, maxLength: 20 }), (randoms) => {
      let i = 0;
      const b = new Backoff(1000, 60_000, () => randoms[i++ % randoms.length]!);
      const delays = randoms.map(() => b.next());
      expect(delays[0]).toBeGreaterThanOrEqual(500);
      expect(delays[0]).toBeLessThanOrEqual(1000);
      for (const d of delays) expect(d).toBeLessThanOrEqual(60_000);
      expect(delays[19]).toBeGreaterThanOrEqual(30_000);
      b.reset();
      expect(b.next()).toBeLessThanOrEqual(1000);
    }));
  });
});
