// Command-line flags of `netgoat serve`. Parsing is pure so it is tested without a process; a bad
// flag becomes an NG_VALIDATION result that the caller turns into exit code 2.

import { NgError, fail, ok, type Result } from '../shared/errors';

export const DEFAULT_PORT = 7380;
export const DEFAULT_HOST = '127.0.0.1';

export interface ServeArgs {
  dataDir: string | undefined;
  host: string;
  port: number;
  help: boolean;
}

export const SERVE_USAGE = `Usage: netgoat serve [--data-dir DIR] [--port N] [--host H]

Runs a headless Netgoat node and serves the web console.

  --data-dir DIR  where the node keeps its database (default: per-OS data directory,
                  or NETGOAT_DATA_DIR)
  --port N        HTTP port, 0 for any free port (default: ${DEFAULT_PORT})
  --host H        address to listen on (default: ${DEFAULT_HOST}; use 0.0.0.0 or :: to
                  accept connections from other machines)
  --help          show this text`;

const VALUE_FLAGS = ['--data-dir', '--port', '--host'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

const bad = (message: string): Result<never> => fail(new NgError('NG_VALIDATION', message));

export function parseServeArgs(argv: readonly string[]): Result<ServeArgs> {
  const out: ServeArgs = { dataDir: undefined, host: DEFAULT_HOST, port: DEFAULT_PORT, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(VALUE_FLAGS as readonly string[]).includes(flag)) {
      return bad(arg.startsWith('-') ? `unknown flag ${flag}` : `unexpected argument ${JSON.stringify(arg)}`);
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) return bad(`${flag} needs a value`);
      i++;
    }
    const problem = apply(out, flag as ValueFlag, value);
    if (problem) return bad(problem);
  }
  return ok(out);
}

/** Stores one flag's value; returns what is wrong with it, if anything. */
function apply(out: ServeArgs, flag: ValueFlag, value: string): string | undefined {
  switch (flag) {
    case '--data-dir':
      if (value.trim() === '') return '--data-dir must not be empty';
      out.dataDir = value;
      return undefined;
    case '--host':
      if (value.trim() === '' || /\s/.test(value)) return `--host ${JSON.stringify(value)} is not an address`;
      out.host = value;
      return undefined;
    case '--port': {
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) return `--port ${JSON.stringify(value)} is not a port number (0-65535)`;
      out.port = Number(value);
      return undefined;
    }
  }
}
