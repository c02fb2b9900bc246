// The node's CLI (`netgoat serve` and the admin commands) from a one-file build of src/main/cli.ts
// (./one-file-build.mjs), so a headless node carries no TypeScript loader. Its packages stay outside
// the build: better-sqlite3's native addon, pino's worker files and the rest load from node_modules
// as they would without it.
import { importBuilt } from './one-file-build.mjs';

export const loadNodeCli = () => importBuilt({
  name: 'netgoat', entry: 'src/main/cli.ts', sources: ['src/main', 'src/core', 'src/shared', 'package.json'], launcher: import.meta.url,
  options: { packages: 'external' },
});
