import { describe, expect, it } from 'vitest';
import { DEFAULT_HOST, DEFAULT_PORT, parseServeArgs } from './args';

describe('parseServeArgs', () => {
  it('defaults to loopback, the default port and the per-OS data dir', () => {
    expect(parseServeArgs([])).toEqual({ ok: true, value: { dataDir: undefined, host: DEFAULT_HOST, port: DEFAULT_PORT, help: false } });
    expect(DEFAULT_HOST).toBe('127.0.0.1');
  });

  it('reads flags in both `--flag value` and `--flag=value` form', () => {
    expect(parseServeArgs(['--data-dir', '/srv/ng', '--port=0', '--host', '::'])).toEqual({ ok: true, value: { dataDir: '/srv/ng', host: '::', port: 0, help: false } });
  });

  it.each([
    [['--nope'], 'unknown flag --nope'],
    [['stray'], 'unexpected argument "stray"'],
    [['--port'], '--port needs a value'],
    [['--port', '--host', 'x'], '--port needs a value'],
    [['--port', '-1'], 'not a port number'],
    [['--port', '65536'], 'not a port number'],
    [['--port', '1e3'], 'not a port number'],
    [['--host', ''], 'is not an address'],
    [['--data-dir='], '--data-dir must not be empty'],
  ])('refuses %j with NG_VALIDATION', (argv, message) => {
    const r = parseServeArgs(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('NG_VALIDATION');
      expect(r.message).toContain(message);
    }
  });

  it('accepts --help anywhere', () => {
    const r = parseServeArgs(['--port', '1', '--help']);
    expect(r.ok && r.value.help).toBe(true);
  });
});
