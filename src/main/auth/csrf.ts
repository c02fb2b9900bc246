// Cross-site request forgery defence for cookie-authenticated requests: a custom header a
// cross-site form cannot set (and fetch cannot send cross-origin without our CORS consent), plus an
// Origin check when the browser sends one.

import type { IncomingMessage } from 'node:http';
import { NgError } from '../../shared/errors';
import { CSRF_HEADER } from '../../shared/api/transport';

/** Origins allowed besides the node's own (e.g. a dev server), as "scheme://host:port". */
export function checkCsrf(req: IncomingMessage, extraOrigins: readonly string[] = []): void {
  if (req.headers[CSRF_HEADER] !== '1') {
    throw new NgError('NG_FORBIDDEN', `missing ${CSRF_HEADER}: 1 header (required on browser requests as a CSRF defence)`, { path: ['headers', CSRF_HEADER] });
  }
  checkOrigin(req, extraOrigins);
}

/** An Origin header, when present, must name this node itself. */
export function checkOrigin(req: IncomingMessage, extraOrigins: readonly string[] = []): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (!isSameOrigin(origin, req.headers.host) && !extraOrigins.includes(origin)) {
    throw new NgError('NG_FORBIDDEN', `cross-origin request from ${origin.slice(0, 100)} refused`, { path: ['headers', 'origin'] });
  }
}

function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host.toLowerCase();
  } catch {
    return false;
  }
}
