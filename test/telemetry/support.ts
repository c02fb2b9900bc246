// Access-log lines in the shape nginx's `netgoat_json` format writes, for the telemetry tests and bench.

export interface LineFields {
  at: number;
  domain: string;
  status: number;
  bytes?: number;
  requestTimeS?: number;
  remoteAddr?: string;
  probe?: string;
}

export function logLine(f: LineFields): string {
  const time = new Date(Math.floor(f.at / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
  return JSON.stringify({
    time, request_id: 'a3f1c2d4e5f60718293a4b5c6d7e8f90', host: 'shop.example.com', domain: f.domain, remote_addr: f.remoteAddr ?? '203.0.113.9',
    method: 'GET', uri: '/products?page=2', status: f.status, bytes: f.bytes ?? 512, request_time: f.requestTimeS ?? 0.012,
    upstream_status: String(f.status), upstream_addr: '10.0.0.5:8080', upstream_response_time: '0.011', cache: '', waf: '', probe: f.probe ?? '',
  });
}
