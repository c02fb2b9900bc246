import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_OPS_PER_BATCH, opsMessage } from '../../shared/wire/peer';
import { encodeSyncMessage, isOpsMessage, opFromWire, opRowText, opsMessageFromRowTexts, type OplogRow } from './ops-frame';

const op = (seq: number) => ({ origin: 'n1', seq, hlc: `001763941234567.000001.n1`, collection: 'teams', id: `t-${seq}`, set: { name: `Team "${seq}" ü` }, actor: 'u1' });
const row = (seq: number, body = JSON.stringify({ s: { name: `Team "${seq}" ü` }, p: { name: 'before' } })): OplogRow =>
  ({ origin: 'n1', seq, hlc: '001763941234567.000001.n1', collection: 'teams', id: `t-${seq}`, team: seq % 2 ? null : 'team-1', actor: 'user "x"', body });

describe('the ops frame', () => {
  it('carries each op as its oplog row, the stored body embedded verbatim, and reads it back as the op', () => {
    const rows = [row(1), row(2), row(3, JSON.stringify({ d: true }))];
    const msg = opsMessageFromRowTexts(rows.map(opRowText));
    const text = encodeSyncMessage(msg);
    expect(text).toBe(JSON.stringify(msg));
    for (const r of rows) expect(text).toContain(`,${r.body}]`);
    const received = (JSON.parse(text) as { ops: unknown[] }).ops.map(opFromWire);
    expect(received).toEqual([
      { origin: 'n1', seq: 1, hlc: rows[0]!.hlc, collection: 'teams', id: 't-1', team: null, actor: 'user "x"', set: { name: 'Team "1" ü' }, prev: { name: 'before' } },
      { origin: 'n1', seq: 2, hlc: rows[0]!.hlc, collection: 'teams', id: 't-2', team: 'team-1', actor: 'user "x"', set: { name: 'Team "2" ü' }, prev: { name: 'before' } },
      { origin: 'n1', seq: 3, hlc: rows[0]!.hlc, collection: 'teams', id: 't-3', team: null, actor: 'user "x"', delete: true },
    ]);
  });

  it('hands ops in object form and malformed rows on unchanged, for the store to accept or refuse', () => {
    expect(opFromWire(op(1))).toEqual(op(1));
    for (const bad of [[1, 2, 3], ['n1', 1, 'h', 'teams', 'x', null, 'a', '{"s":{}}'], ['n1', 1, 'h', 'teams', 'x', null, 'a', { s: {}, extra: 1 }], JSON.parse('["n1",1,"h","teams","x",null,"a",{"__proto__":{"s":{}}}]') as unknown]) {
      expect(opFromWire(bad)).toBe(bad);
    }
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
