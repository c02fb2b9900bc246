// postinstall: gives the desktop app a better-sqlite3 build for Electron's native ABI, kept apart
// from the Node build (node_modules/.netgoat/electron/better_sqlite3.node) so `netgoat serve`,
// tests and the desktop app all work from one install. Tries a prebuilt binary first, then a
// source build against Electron's headers. It never fails `npm install`: on any problem it prints
// one warning line and exits 0, because everything except the desktop window works without it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const outDir = join(root, 'node_modules', '.netgoat', 'electron');
const target = join(outDir, 'better_sqlite3.node');
const stampFile = join(outDir, 'build.json');

const versionOf = (pkg) => {
  try {
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
  } catch {
    return undefined;
  }
};

/** Runs `node script args` in the scratch copy; true when it exited 0 and produced the addon. */
function attempt(script, args, cwd, env) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd, env, stdio: 'pipe', timeout: 10 * 60_000 });
  return r.status === 0 && existsSync(join(cwd, 'build', 'Release', 'better_sqlite3.node'));
}

function build(electronVersion, sqliteVersion) {
  const packageDir = dirname(require.resolve('better-sqlite3/package.json'));
  const scratch = mkdtempSync(join(tmpdir(), 'netgoat-electron-sqlite-'));
  try {
    cpSync(packageDir, scratch, { recursive: true, filter: (src) => !/[/\\](build|node_modules)$/.test(src) });
    // npm may point node-gyp at Node's headers (npm_config_nodedir); Electron needs its own.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_(nodedir|target|runtime|disturl|dist_url)$/i.test(k)));
    const sqliteRequire = createRequire(join(packageDir, 'package.json'));
    const prebuild = join(dirname(sqliteRequire.resolve('prebuild-install/package.json')), 'bin.js');
    const gyp = require.resolve('node-gyp/bin/node-gyp.js');
    const built =
      attempt(prebuild, ['--runtime', 'electron', '--target', electronVersion, '--arch', process.arch, '--platform', process.platform], scratch, env) ||
      attempt(gyp, ['rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'], scratch, env);
    if (!built) return false;
    mkdirSync(outDir, { recursive: true });
    copyFileSync(join(scratch, 'build', 'Release', 'better_sqlite3.node'), target);
    writeFileSync(stampFile, JSON.stringify({ electron: electronVersion, betterSqlite3: sqliteVersion }) + '\n');
    return true;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  const electronVersion = versionOf('electron');
  const sqliteVersion = versionOf('better-sqlite3');
  if (!electronVersion) {
    console.log('netgoat: Electron is not installed (its download is optional); skipping its SQLite build. `npm run serve` does not need it.');
  } else if (existsSync(target) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === JSON.stringify({ electron: electronVersion, betterSqlite3: sqliteVersion })) {
    console.log(`netgoat: better-sqlite3 for Electron ${electronVersion} is already built.`);
  } else if (build(electronVersion, sqliteVersion)) {
    console.log(`netgoat: built better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} into ${target}.`);
  } else {
    console.warn(`netgoat: warning: could not get better-sqlite3 for Electron ${electronVersion} (no prebuilt binary reachable and the source build failed); the desktop app cannot open its database until \`node scripts/electron-sqlite.mjs\` succeeds. \`npm run serve\` is unaffected.`);
  }
} catch (e) {
  console.warn(`netgoat: warning: skipped the Electron build of better-sqlite3: ${e instanceof Error ? e.message : String(e)}`);
}
process.exit(0);
