// The liveness rules both link kinds share: what a beat writes, when silence closes the link, how
// strikes count up to the cut-off, and which frames read as JSON.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PEER_WIRE_VERSION } from '../../shared/wire/peer';
import { CLOSE, LinkLiveness, MAX_STRIKES, SILENCE_LIMIT_MS } from './link-liveness';

function recording() {
  const written: unknown[] = [];
  const dropped: unknown[][] = [];
  const failed: unknown[][] = [];
  const liveness = new LinkLiveness({
    write: (msg) => written.push(msg),
    dropped: (...args) => dropped.push(args),
    fail: (...args) => failed.push(args),
  });
  return { liveness, written, dropped, failed };
}

describe('LinkLiveness', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('beats while the peer is heard, and closes the link silently once it is not', () => {
    const { liveness, written, failed } = recording();
    liveness.beat();
    expect(written).toEqual([{ type: 'heartbeat', v: PEER_WIRE_VERSION, sentAt: 1_000_000 }]);
    vi.setSystemTime(1_000_000 + SILENCE_LIMIT_MS);
    liveness.heard(Buffer.from('{}'), false);
    vi.setSystemTime(1_000_000 + 2 * SILENCE_LIMIT_MS);
    liveness.beat();
    expect(failed).toEqual([]);
    vi.setSystemTime(1_000_000 + 2 * SILENCE_LIMIT_MS + 1);
    liveness.beat();
    expect(failed).toEqual([['NG_UNAVAILABLE', `nothing heard for ${SILENCE_LIMIT_MS} ms`, CLOSE.silent, false]]);
    expect(written).toHaveLength(2);
  });

  it('answers each strike with a coded error until the last one cuts the peer off', () => {
    const { liveness, written, dropped, failed } = recording();
    for (let i = 1; i < MAX_STRIKES; i++) liveness.strike('NG_BAD_MESSAGE', 'x'.repeat(600));
    expect(dropped.map((d) => d[2])).toEqual(Array.from({ length: MAX_STRIKES - 1 }, (_, i) => i + 1));
    expect(written).toHaveLength(MAX_STRIKES - 1);
    expect(written[0]).toEqual({ type: 'error', v: PEER_WIRE_VERSION, code: 'NG_BAD_MESSAGE', message: 'x'.repeat(500) });
    expect(failed).toEqual([]);
    liveness.strike('NG_BAD_SIGNATURE', 'bad key');
    expect(failed).toEqual([['NG_BAD_SIGNATURE', `${MAX_STRIKES} bad messages; disconnecting`, CLOSE.abuse, true]]);
    expect(written).toHaveLength(MAX_STRIKES - 1);
  });

  it('strikes refused ops and snapshots but not a clock ahead of ours', () => {
    const { liveness, dropped } = recording();
    liveness.judge({ kind: 'rejected', code: 'NG_CLOCK_SKEW', count: 3, message: 'ahead' });
    expect(dropped).toEqual([]);
    liveness.judge({ kind: 'rejected', code: 'NG_VALIDATION', count: 1, message: 'bad op' });
    expect(dropped).toEqual([['NG_VALIDATION', 'ops refused: bad op', 1]]);
  });

  it('reads only JSON text frames, and counts any frame as heard', () => {
    const { liveness } = recording();
    vi.setSystemTime(2_000_000);
    expect(liveness.heard(Buffer.from('{"type":"heartbeat"}'), false)).toEqual({ value: { type: 'heartbeat' } });
    expect(liveness.heard(Buffer.from('{"a":1}'), true)).toBeNull();
    vi.setSystemTime(3_000_000);
    expect(liveness.heard(Buffer.from('{not json'), false)).toBeNull();
    expect(liveness.lastHeard).toBe(3_000_000);
  });
});
