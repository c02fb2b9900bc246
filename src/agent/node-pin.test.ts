import { describe, expect, it } from 'vitest';
import { checkPin, splitPinnedUrl } from './node-pin';

const FP = 'ab'.repeat(32);

describe('node certificate pins', () => {
  it('splits the pin off an enrollment URL and normalises it', () => {
    expect(splitPinnedUrl(`wss://10.0.0.5:7382/agent/v1#sha256=${FP.toUpperCase()}`)).toEqual({ url: 'wss://10.0.0.5:7382/agent/v1', pin: FP });
    expect(splitPinnedUrl('ws://127.0.0.1:7380/agent/v1')).toEqual({ url: 'ws://127.0.0.1:7380/agent/v1', pin: null });
  });

  it('refuses a pin that is not a SHA-256 fingerprint', () => {
    expect(() => splitPinnedUrl('wss://h:1/agent/v1#sha256=abcd')).toThrow(/64 hex digits/);
  });

  it('accepts only a pinned certificate on wss://, and leaves ws:// and unpinned URLs to their usual checks', () => {
    const socket = (fp: string) => ({ getPeerCertificate: () => ({ fingerprint256: fp.match(/../g)!.join(':').toUpperCase() }) });
    expect(checkPin(socket(FP), 'wss://h:1/agent/v1', [FP])).toBeNull();
    expect(checkPin(socket('cd'.repeat(32)), 'wss://h:1/agent/v1', [FP])?.code).toBe('NG_BAD_SIGNATURE');
    expect(checkPin(socket('cd'.repeat(32)), 'ws://h:1/agent/v1', [FP])).toBeNull();
    expect(checkPin(socket('cd'.repeat(32)), 'wss://h:1/agent/v1', [])).toBeNull();
  });
});
