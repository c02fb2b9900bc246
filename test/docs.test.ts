// The docs are part of the product: every error code a caller can receive is explained in docs/PROTOCOL.md.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/shared/errors';

describe('docs/PROTOCOL.md', () => {
  const text = readFileSync(new URL('../docs/PROTOCOL.md', import.meta.url), 'utf8');
  it.each(Object.keys(ERROR_CODES))('explains %s', (code) => {
    expect(text).toContain(`\`${code}\``);
  });
});
