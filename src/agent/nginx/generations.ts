// The configuration trees on disk: each apply writes a new generation folder, and the live link
// (a symlink nginx reads through) is swapped to it with one rename(2). Old generations stay until
// a newer one is verified, so the last good tree is always on disk.

import { createHash } from 'node:crypto';
import { promises as fs, linkSync, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { NgError } from '../../shared/errors';
import type { DriftReport, NginxFile } from './types';

export interface ManifestEntry {
  sha256: string;
  /** What the file looked like right after it was written: a cheap first check for drift. */
  ino: number;
  size: number;
  mtimeMs: number;
}

/** Relative path → entry, for every file of one generation. */
export type Manifest = Map<string, ManifestEntry>;

export const sha256Hex = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

const GEN_RE = /^gen-(\d+)$/;

/** A tree a generation may build on: the last good one, with what its files said when written. */
export interface BaseTree {
  gen: number;
  manifest: Manifest;
}

/** A generation folder prepared ahead of the next apply: hard links to every intact file of a base tree. */
interface Spare {
  gen: number;
  baseGen: number;
  linked: Set<string>;
}

/** Whether the file at path is still the one the manifest entry describes (not edited since). */
function untouched(path: string, entry: ManifestEntry): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  return st !== undefined && st.ino === entry.ino && st.size === entry.size && st.mtimeMs === entry.mtimeMs;
}

/** Creates dir, its `sites` folder and the parents of paths (synchronous: a handful of calls). */
function makeFolders(dir: string, paths: Iterable<string>): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  // Always present, so `include sites/*.conf` has a folder to look in even with no sites.
  mkdirSync(join(dir, 'sites'), { recursive: true, mode: 0o755 });
  const parents = new Set<string>();
  for (const p of paths) parents.add(dirname(join(dir, p)));
  for (const p of parents) mkdirSync(p, { recursive: true, mode: 0o755 });
}

/** Refuses paths that would leave the tree: the files come from the renderer, but the tree is ours to guard. */
function checkPath(p: string): void {
  if (p === '' || p.startsWith('/') || p.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new NgError('NG_VALIDATION', `configuration file path "${p}" must be relative and stay inside the tree`, { path: ['files', p] });
  }
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await fs.readdir(join(root, prefix), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out;
}

export class Generations {
  readonly gensDir: string;
  readonly liveLink: string;
  private next = 1;
  private readonly removals = new Map<string, Promise<void>>();
  private spare: Spare | null = null;

  constructor(gensDir: string, liveLink: string) {
    this.gensDir = resolve(gensDir);
    this.liveLink = resolve(liveLink);
  }

  dirOf(gen: number): string {
    return join(this.gensDir, `gen-${gen}`);
  }

  /**
   * Creates the folders; a real folder found at the live link (a first run on an existing system
   * nginx) becomes generation 0, so nothing already there is lost.
   */
  async init(): Promise<void> {
    await fs.mkdir(this.gensDir, { recursive: true });
    await fs.mkdir(dirname(this.liveLink), { recursive: true });
    const st = await fs.lstat(this.liveLink).catch(() => null);
    if (st?.isDirectory()) {
      await fs.rename(this.liveLink, this.dirOf(0));
      await fs.symlink(this.dirOf(0), this.liveLink);
    }
    for (const name of await fs.readdir(this.gensDir)) {
      const m = GEN_RE.exec(name);
      if (m) this.next = Math.max(this.next, Number(m[1]) + 1);
    }
  }

  /** The generation the live link points at, or null when there is none yet. */
  async live(): Promise<number | null> {
    const target = await fs.readlink(this.liveLink).catch(() => null);
    const m = target === null ? null : GEN_RE.exec(target.slice(target.lastIndexOf('/') + 1));
    return m ? Number(m[1]) : null;
  }

  /**
   * Writes files as a new generation. A file whose content equals base's, and whose base copy is
   * untouched since it was written, is hard-linked instead of rewritten (1000 sites, one changed).
   * When a spare generation was prepared from base, those links already exist: only the files
   * that changed are replaced.
   */
  async stage(files: readonly NginxFile[], base: BaseTree | null): Promise<{ gen: number; dir: string; manifest: Manifest }> {
    for (const f of files) checkPath(f.path);
    const spare = this.takeSpare(base);
    const gen = spare?.gen ?? this.next++;
    const dir = this.dirOf(gen);
    if (!spare) await fs.rm(dir, { recursive: true, force: true });
    makeFolders(dir, files.map((f) => f.path));

    // Synchronous on purpose: a thousand small files cost far less this way than as a thousand
    // promises through libuv's thread pool, and the event loop is held for only a few ms.
    const manifest: Manifest = new Map();
    const baseDir = base ? this.dirOf(base.gen) : null;
    for (const f of files) {
      const old = base?.manifest.get(f.path);
      const sha = 'content' in f ? sha256Hex(f.content) : f.sha256;
      const target = join(dir, f.path);
      const linked = spare?.linked.has(f.path) === true;
      if (old && old.sha256 === sha) {
        // A spare's link shares its inode with base's file, so checking it checks base's copy.
        if (linked && untouched(target, old)) {
          manifest.set(f.path, old);
          continue;
        }
        if (!linked && baseDir && untouched(join(baseDir, f.path), old)) {
          linkSync(join(baseDir, f.path), target);
          manifest.set(f.path, old);
          continue;
        }
      }
      // Writing through a spare's link would change base's file too: replace the link instead.
      if (linked) unlinkSync(target);
      const content = 'content' in f ? f.content : f.render();
      writeFileSync(target, content, { mode: 0o644 });
      const st = statSync(target);
      // A re-rendered file is hashed again: the manifest must describe what was written.
      manifest.set(f.path, { sha256: 'content' in f ? sha : sha256Hex(content), ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
    }
    // Files of base that are not in this tree (a site removed).
    if (spare) for (const path of spare.linked) if (!manifest.has(path)) unlinkSync(join(dir, path));
    return { gen, dir, manifest };
  }

  /**
   * Prepares the next generation ahead of time: a folder holding hard links to every untouched
   * file of base, so that the next stage on base writes only what changed. Linking a thousand
   * files costs ~15 ms; done after an apply was reported, it is off the next apply's path.
   */
  async prepareSpare(base: BaseTree): Promise<void> {
    if (this.spare?.baseGen === base.gen) return;
    // A spare of an older base is no longer wanted; the next prune removes its folder.
    this.spare = null;
    const gen = this.next++;
    const dir = this.dirOf(gen);
    const baseDir = this.dirOf(base.gen);
    await fs.rm(dir, { recursive: true, force: true });
    makeFolders(dir, base.manifest.keys());
    const linked = new Set<string>();
    for (const [path, entry] of base.manifest) {
      const src = join(baseDir, path);
      if (!untouched(src, entry)) continue;
      linkSync(src, join(dir, path));
      linked.add(path);
    }
    this.spare = { gen, baseGen: base.gen, linked };
  }

  /** The spare prepared from base, handed over once; null when there is none for base. */
  private takeSpare(base: BaseTree | null): Spare | null {
    const spare = this.spare;
    if (!spare || !base || spare.baseGen !== base.gen) return null;
    this.spare = null;
    return spare;
  }

  /** Points the live link at gen in one atomic rename: nginx sees the old tree or the new one, never a mix. */
  async swap(gen: number): Promise<void> {
    const tmp = `${this.liveLink}.swap-${process.pid}`;
    await fs.rm(tmp, { force: true });
    await fs.symlink(this.dirOf(gen), tmp);
    await fs.rename(tmp, this.liveLink);
  }

  /**
   * Removes every generation except those in keep and the spare. Renaming is instant; deleting a
   * thousand files is not, so that happens in the background (settled() waits for it).
   */
  async prune(keep: ReadonlySet<number>): Promise<void> {
    for (const name of await fs.readdir(this.gensDir)) {
      const m = GEN_RE.exec(name);
      if (m && Number(m[1]) === this.spare?.gen) continue;
      // Leftover trash from an earlier run is removed too; trash already being removed is left alone.
      if (m ? keep.has(Number(m[1])) : !name.startsWith('trash-') || this.removals.has(name)) continue;
      const trashName = m ? `trash-${name}-${process.pid}-${Date.now()}` : name;
      if (m) await fs.rename(join(this.gensDir, name), join(this.gensDir, trashName));
      const removal = fs.rm(join(this.gensDir, trashName), { recursive: true, force: true }).catch(() => undefined);
      this.removals.set(trashName, removal);
      void removal.finally(() => this.removals.delete(trashName));
    }
  }

  /** Resolves when background removals are done. */
  async settled(): Promise<void> {
    await Promise.all([...this.removals.values()]);
  }

  /** Compares the live tree with the manifest it was written from: by stat first, by content when stat differs. */
  async drift(manifest: Manifest): Promise<DriftReport> {
    const onDisk = new Set(await listFiles(this.liveLink));
    const report: DriftReport = { changed: [], added: [], removed: [] };
    for (const [path, entry] of manifest) {
      if (!onDisk.has(path)) {
        report.removed.push(path);
        continue;
      }
      const full = join(this.liveLink, path);
      const st = await fs.stat(full).catch(() => null);
      if (!st) report.removed.push(path);
      else if (st.ino !== entry.ino || st.size !== entry.size || st.mtimeMs !== entry.mtimeMs) {
        const now = await fs.readFile(full).catch(() => null);
        if (now === null || sha256Hex(now) !== entry.sha256) report.changed.push(path);
      }
    }
    for (const path of onDisk) if (!manifest.has(path)) report.added.push(path);
    for (const list of [report.changed, report.added, report.removed]) list.sort();
    return report;
  }
}
