// The desktop app: Electron's main process runs the same node as `netgoat serve` (startNode) with
// its data in Electron's per-user folder, and shows the console in a sandboxed window.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isNgError } from '../shared/errors';
import { NODE_INFO_CHANNEL } from '../shared/node-info';
import { createLogger } from './log';
import { sqliteNativeBinding } from './native-binding';
import { startNode, type RunningNode } from './node';
import { registerIpcApi, type IpcMainLike } from './transports/ipc-api';
import { loadDesktopNotifier } from './notify/desktop';
import { wireRemotePeers } from './remote/wire-remote-peers';
import { installShell, type ShellElectron } from './desktop-shell';
import { loadWindowState, saveWindowState, type Rect } from './window-state';

/**
 * The slice of Electron's main-process API used here. Typed locally because `electron` is an
 * optional dependency: where its download failed the package (and its types) is absent, and the
 * node must still typecheck and run headless.
 */
interface BrowserWindowLike {
  getBounds(): Rect;
  isMaximized(): boolean;
  maximize(): void;
  on(event: 'close', listener: () => void): void;
  loadURL(url: string): Promise<void>;
  loadFile(path: string): Promise<void>;
  isMinimized(): boolean;
  restore(): void;
  focus(): void;
  once(event: 'ready-to-show', listener: () => void): void;
  show(): void;
}
interface ElectronMain {
  app: {
    requestSingleInstanceLock(): boolean;
    whenReady(): Promise<void>;
    getPath(name: 'userData'): string;
    setPath(name: 'userData', path: string): void;
    getAppPath(): string;
    quit(): void;
    exit(code: number): void;
    on(event: 'second-instance' | 'window-all-closed' | 'activate', listener: () => void): void;
    on(event: 'before-quit', listener: (e: { preventDefault(): void }) => void): void;
  };
  BrowserWindow: {
    new (options: Record<string, unknown>): BrowserWindowLike;
    getAllWindows(): BrowserWindowLike[];
  };
  ipcMain: IpcMainLike;
  dialog: { showErrorBox(title: string, content: string): void };
  screen: { getAllDisplays(): { workArea: Rect }[] };
  shell: { openExternal(url: string): Promise<void> };
}

// A computed specifier keeps TypeScript from looking for the optional package's types.
const ELECTRON = 'electron';

async function main(): Promise<void> {
  const electron = (await import(ELECTRON)) as ElectronMain & ShellElectron;
  const { app, BrowserWindow, ipcMain, dialog, screen, shell } = electron;
  // NETGOAT_DATA_DIR moves the whole profile, so a second app (e.g. under test) gets its own lock too.
  const dataDirOverride = process.env['NETGOAT_DATA_DIR'];
  if (dataDirOverride) app.setPath('userData', dataDirOverride);
  if (!app.requestSingleInstanceLock()) {
    // Another window of this app already owns the data folder; it is brought forward instead.
    app.quit();
    return;
  }
  const logger = createLogger();
  await app.whenReady();

  let node: RunningNode;
  try {
    node = await startNode({
      dataDir: app.getPath('userData'),
      host: '127.0.0.1',
      port: desktopPort(process.env['NETGOAT_PORT']),
      logger,
      nativeBinding: sqliteNativeBinding(app.getAppPath()),
      // The console stays on loopback; peer links (mutually authenticated) must reach the LAN.
      cluster: { peerHost: '0.0.0.0' },
      fleet: { desktop: await loadDesktopNotifier() },
    });
  } catch (e) {
    const code = isNgError(e) ? e.code : 'NG_INTERNAL';
    logger.fatal({ err: e, code }, 'node failed to start');
    dialog.showErrorBox('Netgoat cannot start', `${code}: ${e instanceof Error ? e.message : String(e)}`);
    app.exit(1);
    return;
  }
  ipcMain.handle(NODE_INFO_CHANNEL, () => node.info());
  const rendererUrl = pathToFileURL(join(app.getAppPath(), 'out', 'renderer')).href;
  const devServerUrl = process.env['ELECTRON_RENDERER_URL'];
  // Only the app's own pages may call the API; a navigated-away or injected frame is refused.
  const stopIpcApi = registerIpcApi({
    ipcMain,
    dispatcher: node.api,
    isTrustedFrame: (url) => url.startsWith(`${rendererUrl}/`) || (devServerUrl !== undefined && url.startsWith(devServerUrl)),
  });
  node.own('ipc-api', stopIpcApi);
  // Leader-only links to remote peers, as in `netgoat serve`.
  node.own('remote-peers', wireRemotePeers(node));

  const windowStateFile = join(app.getPath('userData'), 'window-state.json');
  const openWindow = (): void => {
    const state = loadWindowState(windowStateFile, screen.getAllDisplays().map((d) => d.workArea));
    const win = new BrowserWindow({
      ...state.bounds,
      minWidth: 800,
      minHeight: 560,
      show: false,
      title: 'Netgoat',
      webPreferences: {
        preload: join(app.getAppPath(), 'out', 'preload', 'index.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
      },
    });
    if (state.maximized) win.maximize();
    win.on('close', () => {
      try {
        saveWindowState(windowStateFile, { bounds: win.getBounds(), maximized: win.isMaximized() });
      } catch (e) {
        logger.warn({ err: e }, 'could not save the window position');
      }
    });
    win.once('ready-to-show', () => win.show());
    const devServer = process.env['ELECTRON_RENDERER_URL'];
    void (devServer ? win.loadURL(devServer) : win.loadFile(join(app.getAppPath(), 'out', 'renderer', 'index.html')));
  };
  openWindow();

  const showWindow = (): void => {
    const [win] = BrowserWindow.getAllWindows();
    if (!win) return openWindow();
    if (win.isMinimized()) win.restore();
    win.focus();
  };
  const removeTray = installShell(electron, {
    showWindow,
    openConsoleInBrowser: () => void shell.openExternal(node.url),
    quit: () => app.quit(),
  }, join(app.getAppPath(), 'resources', 'tray.png'), process.platform === 'darwin');
  node.own('tray', removeTray);

  app.on('second-instance', showWindow);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
  // The node keeps serving peers and agents with its window closed; the tray brings it back or quits.
  app.on('window-all-closed', () => undefined);

  let closed = false;
  app.on('before-quit', (e) => {
    if (closed) return;
    // Hold the quit until the node has closed its sockets and its database.
    e.preventDefault();
    void node.close().finally(() => {
      closed = true;
      app.quit();
    });
  });
}

/** The desktop node listens on a free loopback port unless NETGOAT_PORT names one. */
function desktopPort(value: string | undefined): number {
  const port = Number(value);
  return value && Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 0;
}

void main();
