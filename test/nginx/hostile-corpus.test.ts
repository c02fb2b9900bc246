// Hostile values injected into every user-controlled field: each is refused with that field's path,
// or rendered so that it stays one token (the config's shape is unchanged) and real `nginx -t` passes.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNginx, nginxTest, writeNginxTree } from '../support/nginx';
import { configShape } from '../support/nginx-shape';
import { renderAll } from '../../src/core/nginx/render-all';
import { renderSite } from '../../src/core/nginx/render-site';
import { fullSite, TEST_OPTIONS, USER_STRING_FIELDS, withValue } from '../../src/core/nginx/test-fixtures';
import type { SiteInput } from '../../src/core/nginx/types';
import { proxyConfig, proxyConfigProblems } from '../../src/shared/schemas/proxy';

const HOSTILE: string[] = [
  'a\nb',
  'a\r\nb',
  '\r',
  '\n}\nserver { listen 80; }',
  'x; include /etc/passwd;',
  'include /etc/passwd;',
  'lua_code_cache off;',
  "content_by_lua_block { os.execute('id') }",
  "'; lua_code_cache off; '",
  '}',
  '{',
  ';',
  '"',
  "'",
  '\\',
  '\\"; return 200 pwned; #',
  'a"b\\c',
  '$host',
  '${host}',
  '$request_uri$http_cookie',
  '${ng_dollar}',
  'set $a 1',
  'a\u0000b',
  '\t',
  'a\tb',
  '\u007f',
  'x'.repeat(10_000),
  `/${'a'.repeat(10_000)}`,
  'ünïcödé',
  'b\u00fccher.example.com',
  '\u202eevil',
  '\u2028',
  '\u0085',
  '\u00a0',
  '💥',
  '# comment',
  '/path#frag',
  '/ok\n}\nlocation / { return 200; }',
  '/a b',
  '`id`',
  '$(id)',
  '../../etc/passwd',
  '127.0.0.1; server 10.0.0.1',
  '127.0.0.1:80',
  'evil.example.com:80 backup',
  'proxy_pass http://evil.example.com',
  '%0d%0a',
  '-',
  '',
  ' ',
  '~*.*',
  '^/admin$',
  'a{1}b',
  '/admin/(.*)$',
  '(',
  'a[b',
  '*+?',
  '/x(y',
  'X-Debug: $host',
  'X-Debug\n: on',
];

/** Values of the wrong type, as a damaged or malicious replica could carry them. */
const WRONG_TYPES: unknown[] = [42, null, {}, ['x'], true];

interface Accepted {
  field: (string | number)[];
  value: string;
  site: SiteInput;
}

const nginxBin = findNginx();
const baselineShape = (() => {
  const r = renderSite(fullSite(), TEST_OPTIONS);
  if (!r.ok) throw new Error('the full fixture site must render');
  return configShape(r.files[0]!.content);
})();

/** Reads back the quoted add_header value of header i as nginx will send it. */
function renderedHeaderValue(text: string, name: string): string {
  const m = new RegExp(`add_header ${name} ("(?:[^"\\\\]|\\\\.)*") always;`).exec(text);
  if (!m) throw new Error(`no add_header ${name}`);
  return m[1]!.slice(1, -1).replace(/\\(["\\])/g, '$1').replace(/\$\{ng_dollar\}/g, '$');
}

describe('hostile inputs', () => {
  const accepted: Accepted[] = [];
  let workDir = '';

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'netgoat-corpus-'));
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('has at least 40 hostile values', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(40);
  });

  for (const field of USER_STRING_FIELDS) {
    it(`${field.join('.')}: every hostile value is refused at this path or stays one token`, () => {
      for (const [n, value] of [...HOSTILE, ...WRONG_TYPES].entries()) {
        const site = withValue(fullSite(`c${n}-${field.join('-')}`.slice(0, 64).toLowerCase(), `c${n}.corpus.example.com`), field, value);
        const r = renderSite(site, TEST_OPTIONS);
        if (!r.ok) {
          expect(r.errors.length, `value #${n}`).toBeGreaterThan(0);
          for (const e of r.errors) {
            expect(e.path, `value #${n} ${JSON.stringify(value).slice(0, 60)}`).toEqual(field);
            expect(e.code).toBe('NG_VALIDATION');
            expect(e.message.length).toBeGreaterThan(10);
          }
          continue;
        }
        expect(typeof value, `a ${typeof value} must never render`).toBe('string');
        const text = r.files[0]!.content;
        expect(configShape(text), `value #${n} ${JSON.stringify(value).slice(0, 60)} changed the config's shape`).toEqual(baselineShape);
        accepted.push({ field, value: value as string, site });
      }
    });
  }

  it('renders header values exactly, including the quotes, semicolons, braces and "$" of hostile ones', () => {
    const headerValue = ['proxy', 'headers', 1, 'value'];
    const printableShort = HOSTILE.filter((v) => v.length <= 1024 && /^[\x20-\x7e]*$/.test(v));
    const got = accepted.filter((a) => a.field.join('.') === headerValue.join('.')).map((a) => a.value);
    expect(got.sort()).toEqual([...printableShort].sort());
    for (const a of accepted.filter((x) => x.field.join('.') === headerValue.join('.'))) {
      const r = renderSite(a.site, TEST_OPTIONS);
      expect(r.ok && renderedHeaderValue(r.files[0]!.content, 'Strict-Transport-Security')).toBe(a.value);
    }
  });

  it('the API schema accepts exactly what the renderer accepts, and refuses at the same field', () => {
    for (const field of USER_STRING_FIELDS.filter((f) => f[0] === 'proxy')) {
      for (const [n, value] of [...HOSTILE, ...WRONG_TYPES].entries()) {
        const site = withValue(fullSite(), field, value);
        const parsed = proxyConfig.safeParse(site.proxy);
        const problems = parsed.success ? proxyConfigProblems(parsed.data) : [];
        const schemaPaths = parsed.success ? problems.map((p) => ['proxy', ...p.path]) : parsed.error.issues.map((i) => ['proxy', ...i.path]);
        const rendered = renderSite(site, TEST_OPTIONS);
        const label = `${field.join('.')} value #${n} ${JSON.stringify(value).slice(0, 40)}`;
        expect(schemaPaths.length === 0, label).toBe(rendered.ok);
        for (const path of schemaPaths) expect(path, label).toEqual(field);
      }
    }
  });

  it.skipIf(!nginxBin)('real nginx -t accepts every rendering that was not refused', async () => {
    expect(accepted.length).toBeGreaterThan(40);
    const byField = new Map<string, Accepted[]>();
    for (const a of accepted) byField.set(a.field.join('.'), [...(byField.get(a.field.join('.')) ?? []), a]);
    for (const [field, list] of byField) {
      const all = renderAll(list.map((a) => a.site), TEST_OPTIONS);
      if (!all.ok) throw new Error(`renderAll refused ${field}: ${JSON.stringify(all.errors).slice(0, 500)}`);
      const dir = join(workDir, field.replace(/[^a-z0-9]+/gi, '-'));
      await writeNginxTree(dir, all);
      const result = await nginxTest(dir);
      expect(result.ok, `nginx -t for ${field} (${list.length} sites): ${result.stderr}`).toBe(true);
    }
  });

  if (!nginxBin) it.skip('nginx is not installed (apt-get install nginx-light): the nginx -t half of this test did not run', () => {});
});
