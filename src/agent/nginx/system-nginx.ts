// The host's nginx: its own nginx.conf includes a folder Netgoat owns (--nginx-conf-dir), which
// becomes a symlink to Netgoat's current generation. Staged trees are tested with a copy of the
// main config whose include points at the staged folder, so a bad tree never touches live files.

import { promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { NgError } from '../../shared/errors';
import { DaemonNginx, defaultNginxBin } from './controller';
import { Generations } from './generations';
import { runNginx } from './processes';

export interface SystemNginxOptions {
  /** The folder the host's nginx.conf includes (e.g. `include /etc/nginx/netgoat/*.conf;`). */
  confDir: string;
  bin?: string;
  mainConf?: string;
  pidFile?: string;
  errorLog?: string;
  /** nginx's -p, when the host's nginx is not built with the right one. */
  prefix?: string;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class SystemNginx extends DaemonNginx {
  readonly mode = 'system' as const;
  private readonly mainConf: string;
  private readonly prefix: string | undefined;

  constructor(opts: SystemNginxOptions) {
    const confDir = resolve(opts.confDir);
    super({
      bin: opts.bin ?? defaultNginxBin(),
      pidFile: resolve(opts.pidFile ?? '/run/nginx.pid'),
      errorLog: resolve(opts.errorLog ?? '/var/log/nginx/error.log'),
      generations: new Generations(`${confDir}.gens`, confDir),
    });
    this.mainConf = resolve(opts.mainConf ?? '/etc/nginx/nginx.conf');
    this.prefix = opts.prefix === undefined ? undefined : resolve(opts.prefix);
  }

  private baseArgs(confFile: string): string[] {
    return [...(this.prefix ? ['-p', `${this.prefix}/`] : []), '-c', confFile];
  }

  protected startArgs(): string[] {
    return this.baseArgs(this.mainConf);
  }

  async test(stagedDir: string): Promise<{ ok: boolean; stderr: string }> {
    const main = await fs.readFile(this.mainConf, 'utf8');
    const live = this.generations.liveLink;
    const pattern = new RegExp(`${escapeRe(live)}(?=[/\\s;"'])`, 'g');
    if (!pattern.test(main)) {
      throw new NgError('NG_NGINX_INVALID', `${this.mainConf} does not include ${live}: add "include ${live}/*.conf;" (or sites/*.conf) inside its http block`);
    }
    // Beside the original, so its own relative includes (mime.types, conf.d) resolve the same.
    const probe = join(dirname(this.mainConf), `.netgoat-test-${process.pid}.conf`);
    await fs.writeFile(probe, main.replace(pattern, () => stagedDir));
    try {
      const { code, stderr } = await runNginx(this.bin, [...this.baseArgs(probe), '-e', '/dev/null', '-t']);
      return { ok: code === 0, stderr };
    } finally {
      await fs.rm(probe, { force: true });
    }
  }
}
