import { afterEach, describe, expect, it } from 'vitest';
import { runNginx } from './processes';

describe('runNginx', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("keeps the agent's malloc tuning out of nginx's environment, and passes the rest", async () => {
    process.env['MALLOC_TRIM_THRESHOLD_'] = '131072';
    process.env['MALLOC_MMAP_THRESHOLD_'] = '131072';
    process.env['MALLOC_ARENA_MAX'] = '2';
    // A shell in nginx's place prints what it inherited on stderr, the stream runNginx captures.
    const r = await runNginx('/bin/sh', ['-c', 'echo "trim=$MALLOC_TRIM_THRESHOLD_ mmap=$MALLOC_MMAP_THRESHOLD_ arenas=$MALLOC_ARENA_MAX" >&2']);
    expect(r).toEqual({ code: 0, stderr: 'trim= mmap= arenas=2\n' });
  });
});
