// Which better-sqlite3 build this runtime loads. Node uses the package's own build. Electron has a
// different native ABI, so the postinstall step (scripts/electron-sqlite.mjs) puts an Electron
// build beside it, and the Electron entry hands that file to better-sqlite3's nativeBinding option.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where scripts/electron-sqlite.mjs writes the Electron-ABI build, relative to the app root. */
export const ELECTRON_SQLITE_BINDING = join('node_modules', '.netgoat', 'electron', 'better_sqlite3.node');

export function sqliteNativeBinding(appRoot: string, versions: NodeJS.ProcessVersions = process.versions, exists: (path: string) => boolean = existsSync): string | undefined {
  if (!versions['electron']) return undefined;
  const path = join(appRoot, ELECTRON_SQLITE_BINDING);
  // A packaged app has its dependencies rebuilt for Electron by electron-builder, and no such file.
  return exists(path) ? path : undefined;
}
