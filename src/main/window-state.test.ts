import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_STATE, fitToDisplays, loadWindowState, saveWindowState } from './window-state';

const laptop = { x: 0, y: 0, width: 1440, height: 900 };
const external = { x: 1440, y: 0, width: 2560, height: 1440 };

describe('window state', () => {
  it('reopens where it was saved', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ng-win-')), 'window-state.json');
    saveWindowState(file, { bounds: { x: 1600, y: 100, width: 1300, height: 900 }, maximized: true });
    expect(loadWindowState(file, [laptop, external])).toEqual({ bounds: { x: 1600, y: 100, width: 1300, height: 900 }, maximized: true });
  });

  it('drops a position on a display that is gone, keeping the size', () => {
    expect(fitToDisplays({ bounds: { x: 1600, y: 100, width: 1300, height: 900 }, maximized: false }, [laptop])).toEqual({ bounds: { width: 1300, height: 900 }, maximized: false });
  });

  it('never restores a window smaller than usable', () => {
    expect(fitToDisplays({ bounds: { x: 10, y: 10, width: 100, height: 50 }, maximized: false }, [laptop]).bounds).toEqual({ x: 10, y: 10, width: 800, height: 560 });
  });

  it('falls back to the default for a missing or damaged file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ng-win-'));
    expect(loadWindowState(join(dir, 'absent.json'), [laptop])).toEqual(DEFAULT_WINDOW_STATE);
    writeFileSync(join(dir, 'bad.json'), '{"bounds": 12');
    expect(loadWindowState(join(dir, 'bad.json'), [laptop])).toEqual(DEFAULT_WINDOW_STATE);
  });
});
