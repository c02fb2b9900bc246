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
});
