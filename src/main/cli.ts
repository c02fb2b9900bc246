// The `netgoat` command: a dispatch table of subcommands, so later ones (backup, export, ...) are
// one entry each. Unknown commands exit 2, like bad flags.

import { NETGOAT_VERSION } from './node';
import { runServe } from './serve';
import { runPeersCommand } from './remote/peers-command';

interface Command {
  summary: string;
  run: (argv: readonly string[]) => Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  serve: { summary: 'run a headless node and serve its web console', run: runServe },
  peers: {
    summary: 'add, enable, disable, remove or list remote peers (on a stopped node\'s --data-dir)',
    run: async (argv) => {
      const code = await runPeersCommand(argv);
      if (code !== 0) process.exit(code);
    },
  },
};

const usage = (): string =>
  ['Usage: netgoat COMMAND [options]', '', 'Commands:', ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`), '', 'Run `netgoat COMMAND --help` for its options.'].join('\n');

export async function runCli(argv: readonly string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return;
  }
  if (name === '--version' || name === '-v') {
    console.log(NETGOAT_VERSION);
    return;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    console.error(`${name === undefined ? 'netgoat: a command is required' : `netgoat: unknown command ${JSON.stringify(name)}`}\n\n${usage()}`);
    process.exit(2);
  }
  await command.run(rest);
}
