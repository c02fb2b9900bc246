import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainOp, opSchema } from './ops';

const validOp = {
  origin: 'n1', seq: 3, hlc: '001763941234567.000003.n1', collection: 'domains', id: 'dom_abc',
  set: { wafEnabled: true }, actor: 'usr_1', team: 'team_1', prev: { wafEnabled: false },
};

describe('isPlainOp, the fast path of opSchema', () => {
  it('accepts a well-formed op', () => {
    expect(isPlainOp(validOp)).toBe(true);
    expect(isPlainOp({ ...validOp, set: undefined, delete: true })).toBe(true);
  });

  it('never accepts what opSchema refuses, for arbitrary mutations of a valid op', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue()));
    const key = fc.oneof(fc.constantFrom(...Object.keys(validOp), 'delete', 'extra', '__proto__'), fc.string());
    fc.assert(fc.property(fc.array(fc.tuple(key, value), { maxLength: 4 }), (edits) => {
      const candidate: Record<string, unknown> = { ...validOp };
      for (const [k, v] of edits) Object.defineProperty(candidate, k, { value: v, enumerable: true, configurable: true, writable: true });
      if (isPlainOp(candidate)) expect(opSchema.safeParse(candidate).success).toBe(true);
    }), { numRuns: 2000 });
  });

  it('refuses the classic tricks: extra keys, __proto__ fields, fractional seq, foreign prototypes', () => {
    expect(isPlainOp({ ...validOp, extra: 1 })).toBe(false);
    expect(isPlainOp({ ...validOp, set: JSON.parse('{"__proto__": {"x": 1}}') })).toBe(false);
    expect(isPlainOp({ ...validOp, seq: 1.5 })).toBe(false);
    expect(isPlainOp(Object.assign(Object.create({ polluted: true }), validOp))).toBe(false);
  });
});
