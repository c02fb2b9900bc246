// The desktop app's chrome around the console: the application menu and the tray icon. Typed
// locally (like index.ts) because the optional `electron` package may be absent at type-check time.

export interface MenuItemSpec {
  label?: string;
  role?: string;
  type?: 'separator';
  accelerator?: string;
  click?: () => void;
  submenu?: MenuItemSpec[];
}

export interface ShellElectron {
  Menu: {
    buildFromTemplate(template: MenuItemSpec[]): unknown;
    setApplicationMenu(menu: unknown): void;
  };
  Tray: new (image: unknown) => { setToolTip(text: string): void; setContextMenu(menu: unknown): void; on(event: 'click', listener: () => void): void; destroy(): void };
  nativeImage: { createFromPath(path: string): unknown };
}

export interface ShellActions {
  showWindow: () => void;
  openConsoleInBrowser: () => void;
  quit: () => void;
}

/** The application menu: standard editing and view roles, plus Netgoat's own entries. */
export function applicationMenu(actions: ShellActions, isMac: boolean): MenuItemSpec[] {
  return [
    ...(isMac ? [{ role: 'appMenu' }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open console in browser', click: actions.openConsoleInBrowser },
        { type: 'separator' },
        { label: 'Quit Netgoat', accelerator: 'CmdOrCtrl+Q', click: actions.quit },
      ],
    },
    { role: 'editMenu' },
    { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    { role: 'windowMenu' },
  ];
}

/** The tray: the node keeps running with the window closed, so the tray is how to get it back. */
export function trayMenu(actions: ShellActions): MenuItemSpec[] {
  return [
    { label: 'Open Netgoat', click: actions.showWindow },
    { label: 'Open console in browser', click: actions.openConsoleInBrowser },
    { type: 'separator' },
    { label: 'Quit Netgoat', click: actions.quit },
  ];
}

/** Installs the menu and the tray; returns what removes the tray on quit. */
export function installShell(electron: ShellElectron, actions: ShellActions, iconPath: string, isMac: boolean): () => void {
  electron.Menu.setApplicationMenu(electron.Menu.buildFromTemplate(applicationMenu(actions, isMac)));
  const tray = new electron.Tray(electron.nativeImage.createFromPath(iconPath));
  tray.setToolTip('Netgoat');
  tray.setContextMenu(electron.Menu.buildFromTemplate(trayMenu(actions)));
  tray.on('click', actions.showWindow);
  return () => tray.destroy();
}
