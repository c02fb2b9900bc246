// Runs a TypeScript entry of this package from a one-file build (esbuild, the bundler tsx already
// depends on), made on first run and again whenever the sources are newer. A process started this
// way carries no TypeScript loader: tsx's hooks run on a thread of their own with a second V8 heap
// (about 28 MB for the node) and transform every module as it loads. Where the build cannot be
// written (a read-only install), the sources run through tsx instead.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Newest modification time under a file or folder, in ms. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), info.mtimeMs);
}

/**
 * Imports `entry` (relative to the package root) from its build under node_modules/.cache/netgoat
 * (inside the package, so the build's external packages resolve from its node_modules).
 * `sources`: what the build is made of (folders or files, relative to the root), besides this file
 * and the launcher itself; `options`: esbuild options of this build (they are part of what it is).
 */
export async function importBuilt({ name, entry, sources, launcher, options = {} }) {
  const source = join(packageRoot, entry);
  const built = join(packageRoot, 'node_modules', '.cache', 'netgoat', `${name}.mjs`);
  const inputs = [...sources.map((p) => join(packageRoot, p)), fileURLToPath(import.meta.url), fileURLToPath(launcher)];
  try {
    if (!existsSync(built) || inputs.some((s) => newestMtime(s) > statSync(built).mtimeMs)) await build(source, built, options);
    return await import(pathToFileURL(built).href);
  } catch (err) {
    console.error(`${name}: running the sources through tsx (no build: ${err.message})`);
    const { register } = await import('tsx/esm/api');
    register();
    return import(pathToFileURL(source).href);
  }
}

/** Builds next to the final name and renames, so processes starting at once never load half a file. */
async function build(source, built, options) {
  const esbuild = await import(pathToFileURL(createRequire(fileURLToPath(import.meta.resolve('tsx'))).resolve('esbuild')).href);
  mkdirSync(dirname(built), { recursive: true });
  const staged = `${built}.${process.pid}.tmp`;
  await esbuild.build({
    entryPoints: [source], outfile: staged, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
    // Whitespace and syntax only: V8 keeps the source of every loaded script in memory, names stay for stack traces.
    minifyWhitespace: true, minifySyntax: true,
    banner: { js: "import { createRequire as __ngRequire } from 'node:module'; const require = __ngRequire(import.meta.url);" },
    ...options,
  });
  await esbuild.stop?.();
  renameSync(staged, built);
}
