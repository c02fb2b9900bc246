import { describe, expect, it, vi } from 'vitest';
import { applicationMenu, installShell, trayMenu, type MenuItemSpec, type ShellElectron } from './desktop-shell';

const labels = (items: MenuItemSpec[]): string[] => items.flatMap((i) => [i.label ?? i.role ?? i.type ?? '', ...labels(i.submenu ?? [])]);

describe('desktop shell', () => {
  it('offers quit and the browser console in the menu, and an app menu only on macOS', () => {
    const actions = { showWindow: vi.fn(), openConsoleInBrowser: vi.fn(), quit: vi.fn() };
    expect(labels(applicationMenu(actions, false))).toEqual(expect.arrayContaining(['Quit Netgoat', 'Open console in browser', 'editMenu', 'windowMenu']));
    expect(labels(applicationMenu(actions, false))).not.toContain('appMenu');
    expect(labels(applicationMenu(actions, true))).toContain('appMenu');
  });

  it('wires the tray so a click and its menu bring the window back or quit', () => {
    const actions = { showWindow: vi.fn(), openConsoleInBrowser: vi.fn(), quit: vi.fn() };
    const built: MenuItemSpec[][] = [];
    let clicked: (() => void) | undefined;
    const destroy = vi.fn();
    const electron: ShellElectron = {
      Menu: { buildFromTemplate: (t) => { built.push(t); return t; }, setApplicationMenu: vi.fn() },
      Tray: class { setToolTip(): void {} setContextMenu(): void {} on(_e: 'click', l: () => void): void { clicked = l; } destroy = destroy; } as unknown as ShellElectron['Tray'],
      nativeImage: { createFromPath: (p) => p },
    };
    const dispose = installShell(electron, actions, '/icon.png', false);
    clicked?.();
    expect(actions.showWindow).toHaveBeenCalledOnce();
    trayMenu(actions).find((i) => i.label === 'Quit Netgoat')?.click?.();
    expect(actions.quit).toHaveBeenCalledOnce();
    expect(built).toHaveLength(2);
    dispose();
    expect(destroy).toHaveBeenCalledOnce();
  });
});
