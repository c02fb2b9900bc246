import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { NonceWindow, openEnvelope, sealEnvelope } from '../../shared/wire/agent-envelope';
import { agentEnvelopeCrypto } from '../../agent/envelope-crypto';
import { SharedBody, sealShared } from './shared-body';

const key = { kid: 'k0123456789abcdef', secret: randomBytes(32).toString('base64url') };
const body = JSON.stringify({ type: 'diff', note: 'quotes " and \\ backslashes, ünïcödé, a newline\n and </script>', version: 7 });

describe('a body shared by many agents', () => {
  it('makes byte for byte the frame sealEnvelope makes with the same nonce and time', () => {
    const nonce = agentEnvelopeCrypto.nonce();
    const fixed = { ...agentEnvelopeCrypto, nonce: () => nonce };
    expect(sealShared(key, new SharedBody(body), 1_763_940_000_000, nonce).toString()).toBe(sealEnvelope(fixed, key, body, 1_763_940_000_000));
  });

  it('opens at the agent under its key, and under no other key', () => {
    const shared = new SharedBody(body);
    const now = Date.now();
    const frame = sealShared(key, shared, now, agentEnvelopeCrypto.nonce()).toString();
    const window = new NonceWindow();
    const opened = openEnvelope(agentEnvelopeCrypto, frame, { maxBytes: 1 << 20, now, keyFor: (kid) => (kid === key.kid ? { secret: key.secret, window } : undefined) });
    expect(opened).toEqual({ ok: true, kid: key.kid, body: JSON.parse(body) });
    const other = randomBytes(32).toString('base64url');
    const forged = openEnvelope(agentEnvelopeCrypto, frame, { maxBytes: 1 << 20, now, keyFor: () => ({ secret: other, window: new NonceWindow() }) });
    expect(forged.ok ? null : forged.error.code).toBe('NG_BAD_SIGNATURE');
  });

  it('gives each agent its own nonce and MAC over the same body', () => {
    const shared = new SharedBody(body);
    const a = JSON.parse(sealShared(key, shared, 1, agentEnvelopeCrypto.nonce()).toString()) as { nonce: string; mac: string; body: string };
    const b = JSON.parse(sealShared(key, shared, 1, agentEnvelopeCrypto.nonce()).toString()) as { nonce: string; mac: string; body: string };
    expect(a.body).toBe(b.body);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.mac).not.toBe(b.mac);
  });
});
