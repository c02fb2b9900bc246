// The envelope rules (src/shared/wire/agent-envelope.ts) with the node's real crypto.

import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_SKEW_MS, bodyText } from '../../src/shared/wire/agent';
import { NonceWindow, openEnvelope, sealEnvelope } from '../../src/shared/wire/agent-envelope';
import { newSessionSecret, nodeEnvelopeCrypto as c } from '../../src/main/gateway/crypto';

const key = { kid: 'k1', secret: newSessionSecret() };
const now = 1_800_000_000_000;
const open = (frame: string, window = new NonceWindow(), at = now) => openEnvelope(c, frame, { maxBytes: 10_000, now: at, keyFor: (kid) => (kid === key.kid ? { secret: key.secret, window } : undefined) });

describe('the signed envelope', () => {
  it('opens what was sealed with the same key, once', () => {
    const frame = sealEnvelope(c, key, bodyText({ type: 'hello', n: 1 }), now);
    const w = new NonceWindow();
    expect(open(frame, w)).toMatchObject({ ok: true, kid: 'k1', body: { type: 'hello', n: 1 } });
    expect(open(frame, w)).toMatchObject({ ok: false, error: { code: 'NG_REPLAY' } });
  });

  it('refuses a changed body, an unknown key, a stale or future timestamp, and oversize', () => {
    const frame = sealEnvelope(c, key, bodyText({ type: 'ack', version: 1 }), now);
    expect(open(frame.replace('\\"version\\":1', '\\"version\\":2'))).toMatchObject({ ok: false, error: { code: 'NG_BAD_SIGNATURE' } });
    expect(open(frame.replace('"kid":"k1"', '"kid":"k2"'))).toMatchObject({ ok: false, error: { code: 'NG_REVOKED' } });
    expect(open(frame, new NonceWindow(), now + MAX_MESSAGE_SKEW_MS + 1)).toMatchObject({ ok: false, error: { code: 'NG_REPLAY' } });
    expect(open(frame, new NonceWindow(), now - MAX_MESSAGE_SKEW_MS - 1)).toMatchObject({ ok: false, error: { code: 'NG_CLOCK_SKEW' } });
    expect(open(sealEnvelope(c, key, bodyText({ pad: 'x'.repeat(20_000) }), now))).toMatchObject({ ok: false, error: { code: 'NG_TOO_LARGE' } });
    expect(open('[1,2')).toMatchObject({ ok: false, error: { code: 'NG_BAD_MESSAGE' } });
  });

  it('a full nonce window forgets the oldest and refuses anything older than what it kept', () => {
    const w = new NonceWindow(8);
    for (let i = 0; i < 20; i++) expect(w.admit(`n${i}`, now + i, now + i)).toBe(true);
    expect(w.admit('n19', now + 19, now + 20)).toBe(false);
    expect(w.admit('n0', now, now + 20)).toBe(false);
    expect(w.admit('fresh', now + 20, now + 20)).toBe(true);
  });

  it('a window keeps every nonce of the skew window across growth and wrap-around, and forgets expired ones', () => {
    const w = new NonceWindow();
    for (let i = 0; i < 3000; i++) expect(w.admit(`nonce-${i}`, now + i * 10, now + i * 10)).toBe(true);
    // 3000 nonces 10 ms apart; 40 s after the first, those older than 30 s are forgotten.
    const later = now + 40_000;
    expect(w.admit('fresh', later, later)).toBe(true);
    for (const i of [0, 999]) expect(w.admit(`nonce-${i}`, later, later)).toBe(true);
    for (const i of [1000, 2000, 2999]) expect(w.admit(`nonce-${i}`, later, later)).toBe(false);
  });

  it('reads a frame laid out as sealed exactly as the general JSON path does, for every one-character change', () => {
    const frame = sealEnvelope(c, key, bodyText({ type: 'ack', version: 1, note: 'a "quoted" \\ word' }), now);
    const verdict = (f: string) => {
      const r = open(f);
      return r.ok ? { ok: true, kid: r.kid, body: r.body } : { ok: false, code: r.error.code, message: r.error.message };
    };
    expect(verdict(frame)).toMatchObject({ ok: true });
    const changed = [frame];
    for (let i = 0; i < frame.length; i++) {
      changed.push(frame.slice(0, i) + frame.slice(i + 1));
      for (const ch of ['"', '\\', ' ', '0', '9', 'a', ',', '}', '-']) changed.push(frame.slice(0, i) + ch + frame.slice(i + 1));
    }
    // A leading space is valid JSON but not the sealed layout: it always takes the general path.
    for (const f of changed) expect(verdict(f)).toEqual(verdict(` ${f}`));
  });
});

