import { describe, expect, it } from 'vitest';
import { checkCidr, checkHeaderName, checkHeaderValue, checkHostname, checkInt, checkPattern, checkUpstreamHost, checkUrlPath, isIpv4, isIpv6, parseWafPattern } from './nginx-values';

describe('IP literals', () => {
  it('accepts canonical IPv4 and refuses leading zeros, out-of-range octets and short forms', () => {
    expect(['0.0.0.0', '127.0.0.1', '255.255.255.255'].every(isIpv4)).toBe(true);
    expect(['256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1.2.3.4 ', ''].some(isIpv4)).toBe(false);
  });

  it('accepts IPv6 text forms and refuses malformed ones', () => {
    expect(['::1', '::', '2001:db8::8a2e:370:7334', '1:2:3:4:5:6:7:8', '::ffff:192.0.2.1', 'FE80::1'].every(isIpv6)).toBe(true);
    expect(['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':1', 'fe80::1%eth0', '[::1]', '::1]; x'].some(isIpv6)).toBe(false);
  });

  it('renders IPv6 upstreams in brackets and refuses ports written into the host', () => {
    expect(checkUpstreamHost('::1', 'host')).toEqual({ ok: true, kind: 'ip', text: '[::1]' });
    expect(checkUpstreamHost('app.example.com', 'host')).toEqual({ ok: true, kind: 'name', text: 'app.example.com' });
    expect(checkUpstreamHost('127.0.0.1:80', 'host').ok).toBe(false);
    expect(checkUpstreamHost('App.Example.com', 'host').ok).toBe(false);
  });

  it('normalises CIDR blocks and bounds the prefix length by family', () => {
    expect(checkCidr('10.0.0.0/08', 'p')).toEqual({ ok: true, text: '10.0.0.0/8' });
    expect(checkCidr('2001:DB8::/32', 'p')).toEqual({ ok: true, text: '2001:db8::/32' });
    expect(checkCidr('10.0.0.0/33', 'p').ok).toBe(false);
    expect(checkCidr('10.0.0.0/8/8', 'p').ok).toBe(false);
    expect(checkCidr('all', 'p').ok).toBe(false);
  });
});

describe('whitelists', () => {
  it('names the offending character and the field in refusals', () => {
    expect(checkUrlPath('/a;b', 'proxy.routes.0.path')).toMatch(/proxy\.routes\.0\.path contains ";"/);
    expect(checkHeaderValue('a\nb', 'v')).toMatch(/control character U\+000A/);
    expect(checkHeaderValue('caf\u00e9', 'v')).toMatch(/non-ASCII character U\+00E9/);
    expect(checkPattern('x$host', 'p')).toMatch(/"\$"/);
    expect(checkHostname('example.com.', 'hostname')).toMatch(/canonical form/);
  });

  it('accepts ordinary values', () => {
    expect(checkUrlPath('/api/v1/items(1)', 'p')).toBeNull();
    expect(checkHeaderName('Strict-Transport-Security', 'n')).toBeNull();
    expect(checkHeaderValue("default-src 'self'; img-src *", 'v')).toBeNull();
    expect(checkHostname('xn--bcher-kva.example', 'h')).toBeNull();
  });

  it('refuses non-integers where nginx expects numbers', () => {
    expect(checkInt(1.5, 1, 10, 'n')).toMatch(/whole number/);
    expect(checkInt(Number.NaN, 1, 10, 'n')).toMatch(/whole number/);
    expect(checkInt('5', 1, 10, 'n')).toMatch(/whole number/);
    expect(checkInt(11, 1, 10, 'n')).toMatch(/between 1 and 10/);
  });
});

describe('WAF patterns', () => {
  it('reads each kind of pattern, and "Name: value" for header rules', () => {
    expect(parseWafPattern('header', 'X-Debug:  on ', 'p')).toEqual({ ok: true, pattern: { kind: 'header', name: 'X-Debug', value: 'on' } });
    expect(parseWafPattern('ip', '192.0.2.7', 'p')).toEqual({ ok: true, pattern: { kind: 'ip', cidr: '192.0.2.7' } });
    expect(parseWafPattern('method', 'get', 'p').ok).toBe(false);
    expect(parseWafPattern('header', 'X-Debug', 'p')).toEqual({ ok: false, reason: 'p must look like "Header-Name: value"' });
    expect(parseWafPattern('user_agent', 'curl/8; x', 'p').ok).toBe(false);
  });
});
