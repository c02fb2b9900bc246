import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_OPS_PER_BATCH, opsMessage } from '../../shared/wire/peer';
import { encodeSyncMessage, isOpsMessage, opsMessageFromTexts } from './ops-frame';

const op = (seq: number) => ({ origin: 'n1', seq, hlc: `001763941234567.000001.n1`, collection: 'teams', id: `t-${seq}`, set: { name: `Team "${seq}" ü` }, actor: 'u1' });

describe('the ops frame', () => {
  it('encodes a batch from its op texts exactly as JSON.stringify encodes the message', () => {
    const ops = [op(1), op(2), op(3)];
    const msg = opsMessageFromTexts(ops, ops.map((o) => JSON.stringify(o)));
    expect(encodeSyncMessage(msg)).toBe(JSON.stringify(msg));
    expect(JSON.parse(encodeSyncMessage(msg))).toEqual({ type: 'ops', v: 1, ops });
  });

  it('encodes any other sync message with JSON.stringify', () => {
    const msg = { type: 'vector', v: 1, vector: { n1: 3 }, resync: false } as const;
    expect(encodeSyncMessage(msg)).toBe(JSON.stringify(msg));
  });

  it('accepts exactly the frames the opsMessage schema accepts', () => {
    const frames = fc.oneof(
      fc.record({ type: fc.constantFrom('ops', 'vector'), v: fc.constantFrom(1, 2, '1'), ops: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 4 }), fc.jsonValue()) }, { requiredKeys: [] }),
      fc.record({ type: fc.constant('ops'), v: fc.constant(1), ops: fc.array(fc.jsonValue(), { minLength: 1, maxLength: 3 }), extra: fc.jsonValue() }),
      fc.jsonValue(),
    );
    fc.assert(fc.property(frames, (frame) => {
      const raw = JSON.parse(JSON.stringify(frame)) as unknown;
      expect(isOpsMessage(raw)).toBe(opsMessage.safeParse(raw).success);
    }), { numRuns: 2000 });
  });

  it('refuses an empty batch, an oversized batch and a batch under an inherited-looking key', () => {
    expect(isOpsMessage({ type: 'ops', v: 1, ops: [] })).toBe(false);
    expect(isOpsMessage({ type: 'ops', v: 1, ops: Array.from({ length: MAX_OPS_PER_BATCH + 1 }, (_, i) => op(i + 1)) })).toBe(false);
    expect(isOpsMessage({ type: 'ops', v: 1, ops: Array.from({ length: MAX_OPS_PER_BATCH }, (_, i) => op(i + 1)) })).toBe(true);
    expect(isOpsMessage(JSON.parse('{"type":"ops","v":1,"ops":[{}],"__proto__":{"x":1}}'))).toBe(false);
  });
});
