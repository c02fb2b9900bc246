import { describe, expect, it } from 'vitest';
import { createHmac, randomBytes } from 'node:crypto';
import { hmacSha256Hex } from './hmac';

const reference = (keyB64: string, text: string, tail?: Buffer) =>
  createHmac('sha256', Buffer.from(keyB64, 'base64url')).update(text).update(tail ?? Buffer.alloc(0)).digest('hex');

describe('the gateway HMAC', () => {
  it('is HMAC-SHA256: the RFC 4231 test case 2 vector', () => {
    const key = Buffer.from('Jefe').toString('base64url');
    expect(hmacSha256Hex(key, 'what do ya want ', Buffer.from('for nothing?'))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('matches createHmac for session keys, long keys, UTF-8 text, and bodies larger than its buffer', () => {
    const session = randomBytes(32).toString('base64url');
    const long = randomBytes(100).toString('base64url');
    const cases: [string, string, Buffer?][] = [
      [session, 'netgoat-agent-1\nk1\n1\nnonce\n', Buffer.from('{"type":"diff"}')],
      [session, 'ünïcödé \u{1F410} and </script>'],
      [session, '', randomBytes(20_000)],
      [long, 'text', Buffer.from('tail')],
      [session, 'x'.repeat(300_000)],
    ];
    for (const [key, text, tail] of cases) expect(hmacSha256Hex(key, text, tail)).toBe(reference(key, text, tail));
  });

  it('gives different MACs under different keys and the same MAC again under the same key', () => {
    const a = randomBytes(32).toString('base64url');
    const b = randomBytes(32).toString('base64url');
    expect(hmacSha256Hex(a, 'm')).not.toBe(hmacSha256Hex(b, 'm'));
    expect(hmacSha256Hex(a, 'm')).toBe(hmacSha256Hex(a, 'm'));
  });
});
