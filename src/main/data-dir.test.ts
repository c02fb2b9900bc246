import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { defaultDataDir } from './data-dir';

describe('defaultDataDir', () => {
  it('follows XDG on Linux, falling back to ~/.local/share', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/xdg' }, 'linux', '/home/op')).toBe(join('/xdg', 'netgoat'));
    expect(defaultDataDir({}, 'linux', '/home/op')).toBe(join('/home/op', '.local', 'share', 'netgoat'));
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/op')).toBe(join('/home/op', '.local', 'share', 'netgoat'));
  });

  it('uses Application Support on macOS and APPDATA on Windows', () => {
    expect(defaultDataDir({}, 'darwin', '/Users/op')).toBe(join('/Users/op', 'Library', 'Application Support', 'Netgoat'));
    expect(defaultDataDir({ APPDATA: 'C:/Users/op/AppData/Roaming' }, 'win32', 'C:/Users/op')).toBe(join('C:/Users/op/AppData/Roaming', 'Netgoat'));
  });

  it('lets NETGOAT_DATA_DIR override every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(defaultDataDir({ NETGOAT_DATA_DIR: '/data/ng', XDG_DATA_HOME: '/xdg' }, platform, '/home/op')).toBe('/data/ng');
    }
  });
});
