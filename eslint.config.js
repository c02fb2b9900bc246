// Lint is where the layer rules of docs/ARCHITECTURE.md live: a wrong import fails the build.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules.filter((m) => !m.startsWith('_')), ...builtinModules.map((m) => `node:${m}`)];

/**
 * A relative or aliased import that reaches into one of the given src/ folders: the folder is the
 * first segment after the leading ../ run or after src/. Packages (@mantine/core), siblings (./agent)
 * and deeper folders of the same name (../shared/wire/agent) are not matches.
 */
const intoFolders = (folders) => `^((\\.\\./)+|(.*/)?src/)(${folders.join('|')})(/|$)`;

const rule = (patterns, paths = []) => ['error', { paths, patterns }];

// Exact names, not patterns: a pattern like "constants" would also match "./schemas/constants".
const noNodePaths = nodeBuiltins.map((name) => ({ name, message: 'This layer is pure: no Node built-ins (see docs/ARCHITECTURE.md).' }));
const noElectron = { group: ['electron', 'electron/*', '@electron/*'], message: 'Only src/main and src/preload may use Electron.' };
const noNodeOnlyPackages = {
  group: ['better-sqlite3', 'ws', 'pino', 'bonjour-service', 'mongodb', 'prom-client', 'jose', 'tsx'],
  message: 'Node-only package: not allowed in this layer.',
};
const noReact = { group: ['react', 'react-dom', 'react/*', 'react-dom/*', 'zustand', '@mantine/*', 'uplot'], message: 'UI libraries belong in src/renderer only.' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'test-results/**', '**/*.d.ts', '.tmpbench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
  },
  {
    files: ['src/shared/**/*.{ts,tsx}', 'src/core/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': rule([
        noElectron, noNodeOnlyPackages, noReact,
        { regex: intoFolders(['main', 'renderer', 'agent', 'preload']), message: 'shared/core import only shared/core.' },
      ], noNodePaths),
    },
  },
  {
    files: ['src/shared/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': rule([
        noElectron, noNodeOnlyPackages, noReact,
        { regex: intoFolders(['core', 'main', 'renderer', 'agent', 'preload']), message: 'shared imports only shared.' },
      ], noNodePaths),
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': rule([
        noElectron, noNodeOnlyPackages,
        { regex: intoFolders(['core', 'main', 'agent', 'preload']), message: 'The renderer talks to the node only through src/renderer/api and imports only src/shared.' },
      ], noNodePaths),
    },
  },
  {
    files: ['src/agent/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        noElectron, noReact,
        { regex: intoFolders(['main', 'renderer', 'preload']), message: 'The agent never imports the node (main), the UI or Electron.' },
      ]),
    },
  },
  {
    files: ['src/main/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        noReact,
        { regex: intoFolders(['renderer']), message: 'main never imports the renderer.' },
      ]),
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        noReact, noNodeOnlyPackages,
        { regex: intoFolders(['core', 'main', 'renderer', 'agent']), message: 'The preload exposes the typed API contract from src/shared only.' },
      ]),
    },
  },
  {
    files: ['e2e/**/*.ts'],
    rules: {
      'no-restricted-imports': rule([
        { regex: intoFolders(['core', 'main', 'renderer', 'agent', 'preload']), message: 'e2e drives the product from outside.' },
      ]),
    },
  },
);
