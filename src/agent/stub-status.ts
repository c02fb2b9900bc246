// nginx's stub_status page, read from its local port and parsed into numbers.

import { request } from 'node:http';
import type { NginxStatus } from '../shared/wire/agent';

export const NGINX_DOWN: NginxStatus = { up: false, active: 0, accepts: 0, handled: 0, requests: 0, reading: 0, writing: 0, waiting: 0 };

/** Parses the stub_status text; null when it is not one. */
export function parseStubStatus(text: string): NginxStatus | null {
  const m = /Active connections:\s*(\d+)\s+server accepts handled requests\s+(\d+)\s+(\d+)\s+(\d+)\s+Reading:\s*(\d+)\s+Writing:\s*(\d+)\s+Waiting:\s*(\d+)/.exec(text);
  if (!m) return null;
  const n = m.slice(1).map(Number);
  return { up: true, active: n[0]!, accepts: n[1]!, handled: n[2]!, requests: n[3]!, reading: n[4]!, writing: n[5]!, waiting: n[6]! };
}

export function readStubStatus(url: string, timeoutMs = 2_000): Promise<NginxStatus> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d.length + body.length < 4096 ? d : ''));
      res.on('end', () => resolve(res.statusCode === 200 ? (parseStubStatus(body) ?? NGINX_DOWN) : NGINX_DOWN));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(NGINX_DOWN));
    req.end();
  });
}
