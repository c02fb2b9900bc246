// The parts of the api module that need no browser: reconnect backoff and matching errors to form fields.
import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './events';
import { ApiError, apiErrorFrom, messageForField, unplacedError } from './errors';

describe('reconnectDelay', () => {
  it('starts at 1 s, doubles, and never passes 60 s, jitter included', () => {
    expect(reconnectDelay(0, () => 0)).toBe(1000);
    expect(reconnectDelay(1, () => 0)).toBe(2000);
    expect(reconnectDelay(5, () => 0)).toBe(32_000);
    for (let attempt = 0; attempt < 40; attempt++) {
      expect(reconnectDelay(attempt, () => 0.999)).toBeLessThanOrEqual(60_000);
      expect(reconnectDelay(attempt, () => 0)).toBeGreaterThanOrEqual(1000);
    }
  });

  it('adds up to 30 % jitter so clients do not reconnect in step', () => {
    expect(reconnectDelay(2, () => 0.5)).toBe(4600);
  });
});

describe('form errors', () => {
  const err = new ApiError('NG_VALIDATION', 'settings.upstreamPools.0.servers.1.host: not an address', ['settings', 'upstreamPools', 0, 'servers', 1, 'host']);

  it('shows the message at the field the path names, without repeating the path', () => {
    expect(messageForField(err, 'settings', 'upstreamPools', 0, 'servers', 1, 'host')).toBe('not an address');
    expect(messageForField(err, 'settings', 'upstreamPools', 0, 'servers', 0, 'host')).toBeUndefined();
    expect(messageForField(err, 'settings', 'routes')).toBeUndefined();
  });

  it('leaves an error no field shows to an alert', () => {
    expect(unplacedError(err, [['settings', 'upstreamPools', 0, 'servers', 1, 'host']])).toBeNull();
    expect(unplacedError(err, [['hostname']])).toBe(err);
  });

  it('reads a refusal body, and survives a malformed one', () => {
    const e = apiErrorFrom({ ok: false, code: 'NG_FORBIDDEN', message: 'viewers cannot', path: ['teamId'] }, 'x');
    expect([e.code, e.message, e.path]).toEqual(['NG_FORBIDDEN', 'viewers cannot', ['teamId']]);
    const bad = apiErrorFrom('<html>', 'domains.create was refused');
    expect([bad.code, bad.message, bad.path]).toEqual(['NG_INTERNAL', 'domains.create was refused', []]);
  });
});
