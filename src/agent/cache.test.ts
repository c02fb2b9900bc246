import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { entryOf, type DesiredEntry } from '../core/desired/index';
import type { DesiredDomain } from '../shared/wire/agent';
import { AgentCache } from './cache';

const domain = (n: number): DesiredDomain => ({
  domainId: `dom_${n}`, hostname: `site-${n}.example.com`, tls: { status: 'Pending', certificateId: null, notAfter: null }, wafEnabled: false, proxy: null, certificate: null,
});
const entries = (...ns: number[]): Map<string, DesiredEntry> => new Map(ns.map((n) => [`dom_${n}`, entryOf(domain(n))]));
const ids = (c: AgentCache): string[] => [...c.load().entries.keys()].sort();

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netgoat-cache-'));
  path = join(dir, 'applied-state.journal');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the agent cache', () => {
  it('starts empty, and reads back a whole state with the diffs saved after it', () => {
    const c = new AgentCache(path);
    expect(c.load()).toEqual({ version: 0, checksum: '', entries: new Map() });
    c.save({ version: 1, checksum: 'a'.repeat(64), entries: entries(1, 2, 3) });
    c.save({ version: 2, checksum: 'b'.repeat(64), entries: entries(1, 3, 4) }, [domain(4)], ['dom_2']);
    c.save({ version: 3, checksum: 'b'.repeat(64), entries: entries(1, 3, 4) }, [], []);
    c.close();
    const again = new AgentCache(path).load();
    expect([again.version, again.checksum]).toEqual([3, 'b'.repeat(64)]);
    expect([...again.entries.keys()].sort()).toEqual(['dom_1', 'dom_3', 'dom_4']);
    expect(again.entries.get('dom_4')).toEqual(entryOf(domain(4)));
  });

  it('drops a last line torn by a crash, and writes on after it', () => {
    const c = new AgentCache(path);
    c.load();
    c.save({ version: 1, checksum: 'a'.repeat(64), entries: entries(1) });
    c.close();
    appendFileSync(path, '0123456789abcdef {"diff":{"version":2');
    const again = new AgentCache(path);
    expect(again.load().version).toBe(1);
    again.save({ version: 2, checksum: 'c'.repeat(64), entries: entries(1, 2) }, [domain(2)], []);
    again.close();
    expect(ids(new AgentCache(path))).toEqual(['dom_1', 'dom_2']);
  });

  it('refuses a damaged line before the last, and a cached domain that no longer validates', () => {
    const c = new AgentCache(path);
    c.load();
    c.save({ version: 1, checksum: 'a'.repeat(64), entries: entries(1) });
    c.save({ version: 2, checksum: 'a'.repeat(64), entries: entries(1) }, [], []);
    c.close();
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, good.replace('site-1', 'site-9'));
    expect(() => new AgentCache(path).load()).toThrow(expect.objectContaining({ code: 'NG_DB_CORRUPT' }));
    writeFileSync(path, '');
    const bad = new AgentCache(path);
    bad.load();
    bad.save({ version: 1, checksum: 'a'.repeat(64), entries: new Map([['dom_1', { ...entryOf(domain(1)), domain: { ...domain(1), hostname: '' } }]]) });
    bad.close();
    expect(() => new AgentCache(path).load()).toThrow(/cached domain dom_1 no longer validates/);
  });

  it('rewrites itself whole once the diffs outgrow the state they apply to', () => {
    const c = new AgentCache(path);
    c.load();
    c.save({ version: 1, checksum: 'a'.repeat(64), entries: entries(1) });
    const big = Array.from({ length: 4000 }, (_, i) => domain(i + 10));
    c.save({ version: 2, checksum: 'a'.repeat(64), entries: new Map(big.map((d) => [d.domainId, entryOf(d)])) }, big, []);
    c.save({ version: 3, checksum: 'a'.repeat(64), entries: new Map(big.map((d) => [d.domainId, entryOf(d)])) }, big, []);
    const lines = () => readFileSync(path, 'utf8').trimEnd().split('\n').length;
    expect(lines()).toBe(3);
    c.save({ version: 4, checksum: 'a'.repeat(64), entries: new Map(big.map((d) => [d.domainId, entryOf(d)])) }, [], []);
    expect(lines()).toBe(1);
    c.close();
    expect(new AgentCache(path).load().entries.size).toBe(4000);
  });
});
