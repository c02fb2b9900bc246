// `npm run bench -- NAME [--quick] [options]`: runs bench/NAME.ts.

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here).filter((f) => /^[a-z-]+\.ts$/.test(f) && f !== 'run.ts' && f !== 'report.ts').map((f) => f.slice(0, -3));

const [name, ...args] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- NAME [--quick] [options]\nbenchmarks: ${names.join(', ')}`);
  process.exit(2);
}
const mod = (await import(join(here, `${name}.ts`))) as { run: (args: string[]) => Promise<void> };
await mod.run(args);
