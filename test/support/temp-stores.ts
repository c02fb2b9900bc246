// Stores on real SQLite files, in a fresh folder for each test, closed and removed after it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { Store, type StoreOptions } from '../../src/main/db/store';

export interface TempStores {
  /** The current test's folder. */
  readonly dir: string;
  /** Opens (or reopens) the store `name` in the test's folder; it is closed after the test. */
  open(name: string, opts?: Partial<StoreOptions>): Store;
  /** Closes a store before the test ends (the cleanup then leaves it alone). */
  close(s: Store): void;
  /** A store the test opened itself (other options), closed after the test like the others. */
  track(s: Store): Store;
  /** How many stores the test has open. */
  readonly count: number;
}

/** Call at the top of a test file or describe block: registers the hooks that make and clear the folder. */
export function useTempStores(prefix: string): TempStores {
  let dir = '';
  const opened: Store[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `netgoat-${prefix}-`));
  });
  afterEach(() => {
    for (const s of opened.splice(0)) if (s.db.open) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    open(name, opts = {}) {
      const s = Store.open({ path: join(dir, `${name}.db`), nodeId: name, ...opts });
      opened.push(s);
      return s;
    },
    close(s) {
      s.close();
      opened.splice(opened.indexOf(s), 1);
    },
    track(s) {
      opened.push(s);
      return s;
    },
    get count() {
      return opened.length;
    },
  };
}
