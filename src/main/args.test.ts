import { describe, expect, it } from 'vitest';
import { DEFAULT_HOST, DEFAULT_PEER_PORT, DEFAULT_PORT, parseServeArgs } from './args';

describe('parseServeArgs', () => {
  it('defaults to loopback, the default port and the per-OS data dir', () => {
    expect(parseServeArgs([])).toEqual({
      ok: true,
      value: { dataDir: undefined, host: DEFAULT_HOST, port: DEFAULT_PORT, peerPort: DEFAULT_PEER_PORT, peerHost: undefined, advertise: undefined, name: undefined, priority: undefined, discovery: true, agentPort: undefined, help: false },
    });
    expect(DEFAULT_HOST).toBe('127.0.0.1');
  });

  it('reads flags in both `--flag value` and `--flag=value` form', () => {
    expect(parseServeArgs(['--data-dir', '/srv/ng', '--port=0', '--host', '::'])).toMatchObject({ ok: true, value: { dataDir: '/srv/ng', host: '::', port: 0, help: false } });
  });

  it('reads the cluster flags', () => {
    const r = parseServeArgs(['--peer-port', '0', '--peer-host', '10.0.0.5', '--advertise', 'wss://edge.lan:7381', '--name', 'rack 2', '--priority=900', '--no-discovery']);
    expect(r).toMatchObject({ ok: true, value: { peerPort: 0, peerHost: '10.0.0.5', advertise: 'wss://edge.lan:7381', name: 'rack 2', priority: 900, discovery: false } });
  });

  it('reads the agent port', () => {
    expect(parseServeArgs(['--agent-port', '7382'])).toMatchObject({ ok: true, value: { agentPort: 7382 } });
    expect(parseServeArgs(['--agent-port=0'])).toMatchObject({ ok: true, value: { agentPort: 0 } });
  });

  it.each([
    [['--agent-port', 'wss'], '--agent-port "wss" is not a port number'],
    [['--nope'], 'unknown flag --nope'],
    [['stray'], 'unexpected argument "stray"'],
    [['--port'], '--port needs a value'],
    [['--port', '--host', 'x'], '--port needs a value'],
    [['--port', '-1'], 'not a port number'],
    [['--port', '65536'], 'not a port number'],
    [['--port', '1e3'], 'not a port number'],
    [['--host', ''], 'is not an address'],
    [['--data-dir='], '--data-dir must not be empty'],
    [['--peer-port', '70000'], '--peer-port "70000" is not a port number'],
    [['--priority', '1001'], 'is not a whole number 0..1000'],
    [['--priority', 'high'], 'is not a whole number 0..1000'],
    [['--advertise', 'http://x:1'], 'must look like wss://host:port'],
    [['--name', ''], '--name must be 1..80 characters'],
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
