// CPU profiles of a bench's timed phase only (setup excluded), for `--profile DIR`: the in-process
// inspector's sampling profiler, written as DIR/NAME.cpuprofile (read with any .cpuprofile viewer).

import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Starts sampling this process; the returned function stops and writes the profile. */
export async function startCpuProfile(dir: string, name: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  };
}
