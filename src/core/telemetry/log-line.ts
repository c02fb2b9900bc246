// Reads one line of the agent's `netgoat_json` nginx access log (see core/nginx/render-main.ts).
// A line that is not the JSON we wrote is reported as malformed, never thrown.

export interface LoggedRequest {
  /** Epoch ms, second resolution ($time_iso8601). */
  at: number;
  /** Netgoat domain id ($ng_domain); empty for requests the catch-all servers refused. */
  domainId: string;
  status: number;
  bytes: number;
  /** $request_time in milliseconds. */
  latencyMs: number;
  /** A health probe made by Netgoat itself: never counted as site traffic. */
  probe: boolean;
}

export type ParsedLine = { ok: true; request: LoggedRequest } | { ok: false; reason: string };

/** Request header Netgoat's own probes carry; nginx logs it as the `probe` field. */
export const PROBE_HEADER = 'X-Netgoat-Probe';

/** Only requests from this host can be probes: a remote client sending the header is still counted. */
const isLoopback = (addr: string): boolean => addr.startsWith('127.') || addr === '::1' || addr === 'unix:';

/** Parsing the same timestamp string again (a busy second) costs a string compare. */
export class LogLineParser {
  private lastTime = '';
  private lastMs = 0;

  parse(line: string): ParsedLine {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return { ok: false, reason: 'not JSON' };
    }
    if (typeof raw !== 'object' || raw === null) return { ok: false, reason: 'not a JSON object' };
    const r = raw as Record<string, unknown>;
    const { time, domain, status, bytes, request_time: requestTime } = r;
    if (typeof time !== 'string') return { ok: false, reason: 'time is missing' };
    if (typeof domain !== 'string') return { ok: false, reason: 'domain is missing' };
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 0 || status > 999) return { ok: false, reason: 'status is not an HTTP status' };
    if (typeof bytes !== 'number' || !(bytes >= 0)) return { ok: false, reason: 'bytes is not a count' };
    if (typeof requestTime !== 'number' || !(requestTime >= 0)) return { ok: false, reason: 'request_time is not a duration' };
    const at = this.timeOf(time);
    if (at === null) return { ok: false, reason: 'time is not ISO 8601' };
    const probe = typeof r.probe === 'string' && r.probe !== '' && typeof r.remote_addr === 'string' && isLoopback(r.remote_addr);
    return { ok: true, request: { at, domainId: domain, status, bytes, latencyMs: requestTime * 1000, probe } };
  }

  private timeOf(s: string): number | null {
    if (s === this.lastTime) return this.lastMs;
    const ms = Date.parse(s);
    if (!Number.isFinite(ms)) return null;
    this.lastTime = s;
    this.lastMs = ms;
    return ms;
  }
}
