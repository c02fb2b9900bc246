import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { configShape } from '../../../test/support/nginx-shape';
import { checkPattern } from '../../shared/nginx-values';
import { quoteComplexValue, quoteString, regexLiteral } from './escape';

/** Reads one double-quoted nginx token back the way nginx's tokenizer does. */
function unquote(token: string): string {
  expect(token.startsWith('"') && token.endsWith('"')).toBe(true);
  return token.slice(1, -1).replace(/\\(["\\])/g, '$1');
}

describe('quoting', () => {
  const printable = fc.string({ unit: fc.constantFrom(...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))), maxLength: 80 });

  it('any printable ASCII string stays one token and reads back unchanged', () => {
    fc.assert(
      fc.property(printable, (value) => {
        const line = `add_header X-T ${quoteString(value)} always;`;
        expect(configShape(line)).toEqual(['>add_header/3']);
        expect(unquote(quoteString(value))).toBe(value);
      }),
    );
  });

  it('complex values turn every "$" into the ng_dollar variable and nothing else', () => {
    fc.assert(
      fc.property(printable, (value) => {
        const q = quoteComplexValue(value);
        expect(configShape(`add_header X-T ${q};`)).toEqual(['>add_header/2']);
        expect(unquote(q).replace(/\$\{ng_dollar\}/g, '$')).toBe(value);
        expect(q.replace(/\$\{ng_dollar\}/g, '')).not.toContain('$');
      }),
    );
  });

  it('regex literals match exactly the text they came from, without backslashes', () => {
    fc.assert(
      fc.property(printable.filter((s) => checkPattern(s, 'p') === null), (value) => {
        const re = regexLiteral(value);
        expect(re).not.toContain('\\');
        expect(new RegExp(`^${re}$`).test(value)).toBe(true);
        expect(new RegExp(`^${re}$`).test(`${value}x`)).toBe(false);
      }),
    );
  });
});
