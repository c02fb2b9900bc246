import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ELECTRON_SQLITE_BINDING, sqliteNativeBinding } from './native-binding';

const nodeVersions = { ...process.versions, electron: undefined } as NodeJS.ProcessVersions;
const electronVersions = { ...process.versions, electron: '40.10.2' } as NodeJS.ProcessVersions;

describe('sqliteNativeBinding', () => {
  it('lets Node use better-sqlite3 as installed', () => {
    expect(sqliteNativeBinding('/app', nodeVersions, () => true)).toBeUndefined();
  });

  it('gives Electron the separate Electron-ABI build when it exists', () => {
    expect(sqliteNativeBinding('/app', electronVersions, () => true)).toBe(join('/app', ELECTRON_SQLITE_BINDING));
  });

  it('falls back to the default build where there is none (a packaged app, rebuilt for Electron)', () => {
    expect(sqliteNativeBinding('/app', electronVersions, () => false)).toBeUndefined();
  });
});
