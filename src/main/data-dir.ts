// Where a node keeps its database when the operator does not say: the per-OS place for an
// application's own data, or NETGOAT_DATA_DIR when set.

import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const override = env['NETGOAT_DATA_DIR'];
  if (override) return override;
  if (platform === 'win32') return join(env['APPDATA'] || join(home, 'AppData', 'Roaming'), 'Netgoat');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Netgoat');
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env['XDG_DATA_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.local', 'share'), 'netgoat');
}

/** The node's database file inside a data directory. */
export const databasePath = (dataDir: string): string => join(dataDir, 'netgoat.db');
