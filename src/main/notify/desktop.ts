// Desktop notifications: Electron's Notification in the desktop app; nothing in a headless node
// (or where the OS has no notification service), so callers can always hold an optional notifier.

export interface DesktopNotifier {
  show(title: string, body: string): void;
}

interface ElectronNotificationModule {
  Notification?: { new (o: { title: string; body: string }): { show(): void }; isSupported(): boolean };
}

// A computed specifier: `electron` is optional, and its types may be absent where it is.
const ELECTRON = 'electron';

/** Electron's notifier when running inside Electron's main process with support; null otherwise. */
export async function loadDesktopNotifier(): Promise<DesktopNotifier | null> {
  if (!process.versions.electron) return null;
  const mod = (await import(ELECTRON)) as ElectronNotificationModule;
  const N = mod.Notification;
  if (!N || !N.isSupported()) return null;
  return { show: (title, body) => new N({ title, body }).show() };
}
