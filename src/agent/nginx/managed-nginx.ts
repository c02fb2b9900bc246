// The agent's own nginx: a daemon under a private prefix, reading its configuration through
// PREFIX/conf/current (a symlink to PREFIX/conf/gens/gen-N). Ports come from the rendered config.

import { promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DaemonNginx, defaultNginxBin } from './controller';
import { Generations } from './generations';
import { runNginx } from './processes';

export interface ManagedNginxOptions {
  prefix: string;
  bin?: string;
  /** Must match the rendered main config (RenderOptions.errorLogPath / pidPath), relative to prefix. */
  errorLogPath?: string;
  pidPath?: string;
  /** Further folders under the prefix nginx needs but does not create (e.g. the cache folder). */
  directories?: readonly string[];
}

export class ManagedNginx extends DaemonNginx {
  readonly mode = 'managed' as const;
  readonly prefix: string;
  private readonly directories: readonly string[];

  constructor(opts: ManagedNginxOptions) {
    const prefix = resolve(opts.prefix);
    super({
      bin: opts.bin ?? defaultNginxBin(),
      pidFile: resolve(prefix, opts.pidPath ?? 'nginx.pid'),
      errorLog: resolve(prefix, opts.errorLogPath ?? 'logs/error.log'),
      generations: new Generations(join(prefix, 'conf', 'gens'), join(prefix, 'conf', 'current')),
    });
    this.prefix = prefix;
    this.directories = opts.directories ?? [];
  }

  /** nginx resolves relative paths (logs, pid, cache, temp) against -p and includes against the -c folder. */
  private args(confFile: string): string[] {
    return ['-p', `${this.prefix}/`, '-c', confFile];
  }

  protected startArgs(): string[] {
    return [...this.args(join(this.generations.liveLink, 'nginx.conf')), '-e', this.errorLog];
  }

  protected override async prepare(): Promise<void> {
    // World-readable: a root master runs its workers as "nobody".
    await fs.mkdir(this.prefix, { recursive: true });
    await fs.chmod(this.prefix, 0o755);
    for (const d of [dirname(this.errorLog), dirname(this.pidFile), ...this.directories.map((d) => resolve(this.prefix, d))]) {
      await fs.mkdir(d, { recursive: true });
    }
  }

  /** The error log goes to /dev/null so nginx prints its usual "nginx: [emerg] ..." lines on stderr. */
  async test(stagedDir: string): Promise<{ ok: boolean; stderr: string }> {
    await this.prepare();
    const { code, stderr } = await runNginx(this.bin, [...this.args(join(stagedDir, 'nginx.conf')), '-e', '/dev/null', '-t']);
    return { ok: code === 0, stderr };
  }
}
