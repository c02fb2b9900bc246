import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Generations } from './generations';

describe('configuration generations', () => {
  let root: string;
  let gens: Generations;
  const files = [
    { path: 'nginx.conf', content: 'events {}\n' },
    { path: 'sites/a.conf', content: '# a\n' },
    { path: 'sites/b.conf', content: '# b\n' },
  ];

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'ng-gens-'));
    gens = new Generations(join(root, 'gens'), join(root, 'current'));
    await gens.init();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('hard-links unchanged files, writes changed ones, and swaps the live link atomically', async () => {
    const first = await gens.stage(files, null);
    await gens.swap(first.gen);
    expect(await gens.live()).toBe(first.gen);

    const next = await gens.stage([files[0]!, { path: 'sites/a.conf', content: '# a2\n' }, files[2]!], first);
    const ino = async (gen: number, p: string) => (await fs.stat(join(gens.dirOf(gen), p))).ino;
    expect(await ino(next.gen, 'sites/b.conf')).toBe(await ino(first.gen, 'sites/b.conf'));
    expect(await ino(next.gen, 'sites/a.conf')).not.toBe(await ino(first.gen, 'sites/a.conf'));
    expect(await fs.readFile(join(gens.liveLink, 'sites/a.conf'), 'utf8')).toBe('# a\n');

    await gens.swap(next.gen);
    expect(await fs.readFile(join(gens.liveLink, 'sites/a.conf'), 'utf8')).toBe('# a2\n');
    await gens.prune(new Set([next.gen]));
    await gens.settled();
    expect(await fs.readdir(join(root, 'gens'))).toEqual([`gen-${next.gen}`]);
  });

  it('rewrites a file that was edited in place instead of linking the edited copy', async () => {
    const first = await gens.stage(files, null);
    await gens.swap(first.gen);
    await fs.appendFile(join(gens.liveLink, 'sites/b.conf'), 'evil;\n');
    expect(await gens.drift(first.manifest)).toEqual({ changed: ['sites/b.conf'], added: [], removed: [] });

    const next = await gens.stage(files, first);
    expect(await fs.readFile(join(gens.dirOf(next.gen), 'sites/b.conf'), 'utf8')).toBe('# b\n');
  });

  it('stages on a spare prepared from the last good tree: only changed files are replaced, the base tree is never written through', async () => {
    const first = await gens.stage(files, null);
    await gens.swap(first.gen);
    await gens.prepareSpare(first);
    const ino = async (gen: number, p: string) => (await fs.stat(join(gens.dirOf(gen), p))).ino;

    const changed = [files[0]!, { path: 'sites/a.conf', content: '# a2\n' }, { path: 'sites/c.conf', content: '# c\n' }];
    const next = await gens.stage(changed, first);
    // The spare's folder became the new generation.
    expect(next.gen).toBe(first.gen + 1);
    expect(await fs.readdir(join(next.dir, 'sites'))).toEqual(['a.conf', 'c.conf']);
    expect(await ino(next.gen, 'nginx.conf')).toBe(await ino(first.gen, 'nginx.conf'));
    expect(await fs.readFile(join(next.dir, 'sites/a.conf'), 'utf8')).toBe('# a2\n');
    expect(await fs.readFile(join(gens.liveLink, 'sites/a.conf'), 'utf8')).toBe('# a\n');
    expect(await fs.readFile(join(gens.liveLink, 'sites/b.conf'), 'utf8')).toBe('# b\n');
    expect([...next.manifest.keys()].sort()).toEqual(['nginx.conf', 'sites/a.conf', 'sites/c.conf']);
    expect(await gens.drift(first.manifest)).toEqual({ changed: [], added: [], removed: [] });
  });

  it('rewrites a file edited in place after the spare was linked, and prunes around the spare', async () => {
    const first = await gens.stage(files, null);
    await gens.swap(first.gen);
    await gens.prepareSpare(first);
    await gens.prune(new Set([first.gen]));
    await gens.settled();
    expect((await fs.readdir(join(root, 'gens'))).length).toBe(2);

    await fs.appendFile(join(gens.liveLink, 'sites/b.conf'), 'evil;\n');
    const next = await gens.stage(files, first);
    expect(await fs.readFile(join(next.dir, 'sites/b.conf'), 'utf8')).toBe('# b\n');
    expect(await gens.drift(next.manifest)).not.toEqual({ changed: [], added: [], removed: [] });
    await gens.swap(next.gen);
    expect(await gens.drift(next.manifest)).toEqual({ changed: [], added: [], removed: [] });
  });

  it('reports added and removed files as drift', async () => {
    const first = await gens.stage(files, null);
    await gens.swap(first.gen);
    await fs.rm(join(gens.liveLink, 'sites/a.conf'));
    await fs.writeFile(join(gens.liveLink, 'sites/z.conf'), '# z\n');
    expect(await gens.drift(first.manifest)).toEqual({ changed: [], added: ['sites/z.conf'], removed: ['sites/a.conf'] });
  });

  it('keeps a real folder found at the live link as generation 0', async () => {
    const other = new Generations(join(root, 'sys.gens'), join(root, 'sys'));
    await fs.mkdir(join(root, 'sys'));
    await fs.writeFile(join(root, 'sys', 'old.conf'), '# operator file\n');
    await other.init();
    expect(await other.live()).toBe(0);
    expect(await fs.readFile(join(other.liveLink, 'old.conf'), 'utf8')).toBe('# operator file\n');
  });

  it('refuses paths that leave the tree', async () => {
    await expect(gens.stage([{ path: '../escape.conf', content: '' }], null)).rejects.toThrow(/stay inside the tree/);
    await expect(gens.stage([{ path: '/etc/passwd', content: '' }], null)).rejects.toThrow(/stay inside the tree/);
  });
});
