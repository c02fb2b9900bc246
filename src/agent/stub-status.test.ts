import { describe, expect, it } from 'vitest';
import { parseStubStatus } from './stub-status';

describe('stub_status parsing', () => {
  it('reads the numbers nginx prints', () => {
    const text = 'Active connections: 3 \nserver accepts handled requests\n 17 16 42 \nReading: 0 Writing: 1 Waiting: 2 \n';
    expect(parseStubStatus(text)).toEqual({ up: true, active: 3, accepts: 17, handled: 16, requests: 42, reading: 0, writing: 1, waiting: 2 });
  });

  it('refuses anything else', () => {
    expect(parseStubStatus('<html>502 Bad Gateway</html>')).toBeNull();
  });
});
