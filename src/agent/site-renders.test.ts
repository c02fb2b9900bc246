import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RENDER_OPTIONS, renderAll, type RenderOptions, type SiteInput } from '../core/nginx/index';
import { entryOf, type DesiredEntry } from '../core/desired/index';
import { proxySite } from '../../test/support/nginx-agent';
import { SiteRenders } from './site-renders';

const opts: RenderOptions = { ...DEFAULT_RENDER_OPTIONS, generatorVersion: 'netgoat test', listenAddress: '127.0.0.1', httpPort: 8080, httpsPort: 8443, statusPort: 8081 };
const entry = (id: string, host: string, tag: string): DesiredEntry => entryOf({ ...proxySite(id, host, 9, tag), certificate: null });
const state = (...entries: DesiredEntry[]) => new Map(entries.map((e) => [e.domain.domainId, e]));
const asSite = (e: DesiredEntry): SiteInput => ({ ...e.domain, certificate: null });

describe('SiteRenders', () => {
  it('renders a domain again only when its entry changed, and hands unchanged ones over by hash', () => {
    let sites = 0;
    const renders = new SiteRenders(opts, (e) => (sites++, asSite(e)));
    const a = entry('dom-a', 'a.test', 'v1');
    const b = entry('dom-b', 'b.test', 'v1');
    const first = renders.render(state(a, b));
    expect(first.ok && first.files.every((f) => 'content' in f)).toBe(true);
    expect(sites).toBe(2);

    const b2 = entry('dom-b', 'b.test', 'v2');
    const second = renders.render(state(a, b2));
    if (!second.ok) throw new Error('render failed');
    expect(sites).toBe(3);
    const whole = renderAll([asSite(a), asSite(b2)], opts);
    if (!whole.ok) throw new Error('render failed');
    // The same files as a full render, in the same order; the unchanged site by its hash.
    expect(second.files.map((f) => f.path)).toEqual(whole.files.map((f) => f.path));
    for (const [i, f] of second.files.entries()) {
      const text = whole.files[i]!.content;
      if ('content' in f) expect(f.content).toBe(text);
      else {
        expect(f.path).toBe('sites/dom-a.conf');
        expect(f.sha256).toBe(createHash('sha256').update(text).digest('hex'));
        expect(f.render()).toBe(text);
      }
    }
  });

  it('refuses a state whose domains clash, even when one of them was rendered before', () => {
    const renders = new SiteRenders(opts, asSite);
    const a = entry('dom-a', 'a.test', 'v1');
    expect(renders.render(state(a)).ok).toBe(true);
    const clash = renders.render(state(a, entry('dom-c', 'a.test', 'v1')));
    expect(clash.ok).toBe(false);
    if (!clash.ok) expect(clash.error).toMatchObject({ code: 'NG_VALIDATION', path: ['hostname'], domainId: 'dom-c' });
  });

  it('refuses a domain that does not render, naming it', () => {
    const renders = new SiteRenders(opts, asSite);
    const bad = entryOf({ ...proxySite('dom-x', 'x.test', 9), certificate: null, proxy: { ...proxySite('dom-x', 'x.test', 9).proxy!, routes: [{ path: '/', match: 'prefix', pool: 'missing' }] } });
    const r = renders.render(state(bad));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.domainId).toBe('dom-x');
  });
});
