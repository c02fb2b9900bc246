// The desktop window reopens where the operator left it: size, position and maximised state are
// kept in the profile folder, and a position that no longer fits any display is dropped.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Partial<Pick<Rect, 'x' | 'y'>> & Pick<Rect, 'width' | 'height'>;
  maximized: boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = { bounds: { width: 1200, height: 800 }, maximized: false };
const MIN = { width: 800, height: 560 };

const stored = z.object({
  bounds: z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int().min(1).max(20_000), height: z.number().int().min(1).max(20_000) }),
  maximized: z.boolean(),
});

/** The saved state, fitted to today's displays (work areas); the default when absent or unreadable. */
export function loadWindowState(file: string, workAreas: readonly Rect[]): WindowState {
  let parsed: z.infer<typeof stored>;
  try {
    const r = stored.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!r.success) return DEFAULT_WINDOW_STATE;
    parsed = r.data;
  } catch {
    return DEFAULT_WINDOW_STATE;
  }
  return fitToDisplays(parsed, workAreas);
}

/** Keep the size (at least the minimum); keep the position only if the title bar is on a display. */
export function fitToDisplays(state: { bounds: Rect; maximized: boolean }, workAreas: readonly Rect[]): WindowState {
  const width = Math.max(MIN.width, state.bounds.width);
  const height = Math.max(MIN.height, state.bounds.height);
  const { x, y } = state.bounds;
  const titleBarVisible = workAreas.some((a) => x + width > a.x + 40 && x < a.x + a.width - 40 && y >= a.y && y < a.y + a.height - 40);
  return { bounds: titleBarVisible ? { x, y, width, height } : { width, height }, maximized: state.maximized };
}

/** Written to a temporary file and renamed, so a crash mid-write never leaves half a file. */
export function saveWindowState(file: string, state: { bounds: Rect; maximized: boolean }): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}
