import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { childrenCreatedSince, lastCreatedPid, runNginx } from './processes';

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

  it("asks glibc for huge pages in nginx, keeping tunables already set and an operator's own hugetlb choice", async () => {
    const show = ['-c', 'echo "$GLIBC_TUNABLES" >&2'];
    delete process.env['GLIBC_TUNABLES'];
    expect((await runNginx('/bin/sh', show)).stderr).toBe('glibc.malloc.hugetlb=1\n');
    process.env['GLIBC_TUNABLES'] = 'glibc.malloc.tcache_count=0';
    expect((await runNginx('/bin/sh', show)).stderr).toBe('glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=1\n');
    process.env['GLIBC_TUNABLES'] = 'glibc.malloc.hugetlb=0';
    expect((await runNginx('/bin/sh', show)).stderr).toBe('glibc.malloc.hugetlb=0\n');
  });

  it('finds the children created after a pid mark, and only those', async () => {
    const before = spawn('sleep', ['30']);
    const mark = lastCreatedPid();
    const after = spawn('sleep', ['30']);
    try {
      await new Promise((r) => after.once('spawn', r));
      const others = new Set<number>();
      const found = childrenCreatedSince(process.pid, mark, others);
      expect(found.map((c) => c.pid)).toEqual([after.pid]);
      expect(found[0]!.title).toBe('sleep 30');
      expect(others.has(after.pid!)).toBe(false);
      expect(childrenCreatedSince(process.pid, lastCreatedPid(), new Set())).toEqual([]);
    } finally {
      before.kill();
      after.kill();
    }
  });
});
