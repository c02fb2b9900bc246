import { describe, expect, it } from 'vitest';
import { blame, seriousLines } from './nginx-messages';

const stderr = [
  'nginx: [warn] the "user" directive makes sense only if the master process runs with super-user privileges',
  'nginx: [emerg] unknown directive "frobnicate" in /srv/ng/conf/gens/gen-7/sites/dom-b.conf:9',
  'nginx: configuration file /srv/ng/conf/gens/gen-7/nginx.conf test failed',
  '',
].join('\n');

describe('nginx messages', () => {
  it('keeps only the [emerg] and [alert] lines, verbatim', () => {
    expect(seriousLines(stderr)).toEqual(['nginx: [emerg] unknown directive "frobnicate" in /srv/ng/conf/gens/gen-7/sites/dom-b.conf:9']);
    expect(seriousLines('2026/01/01 00:00:00 [alert] 12#12: kill(3, 1) failed\n')).toHaveLength(1);
  });

  it('blames the site file, line and domain the first located line points at', () => {
    expect(blame(seriousLines(stderr), ['/srv/ng/conf/gens/gen-7'], ['dom-a', 'dom-b'])).toEqual({ file: 'sites/dom-b.conf', line: 9, domainId: 'dom-b' });
  });

  it('names no domain for a file that is not a site of this tree', () => {
    const main = ['nginx: [emerg] unexpected "}" in /srv/ng/conf/gens/gen-7/nginx.conf:40'];
    expect(blame(main, ['/srv/ng/conf/gens/gen-7'], ['dom-a'])).toEqual({ file: 'nginx.conf', line: 40 });
    const stranger = ['nginx: [emerg] unknown directive "x" in /srv/ng/conf/gens/gen-7/sites/dom-z.conf:1'];
    expect(blame(stranger, ['/srv/ng/conf/gens/gen-7'], ['dom-a'])).toEqual({ file: 'sites/dom-z.conf', line: 1 });
    expect(blame(['nginx: [emerg] bind() to 127.0.0.1:80 failed (98: Address already in use)'], ['/x'], [])).toEqual({});
  });
});
