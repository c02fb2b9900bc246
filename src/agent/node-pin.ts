// Pinning the node's certificate on wss:// agent links. Nodes serve the agent port with their own
// self-signed certificate, so no CA vouches for it: the agent learns its SHA-256 fingerprint out of
// band (the enrollment URL carries it as `#sha256=<hex>`) and from then on accepts only the
// certificates of the cluster's nodes it was told at enrollment.

import type { TLSSocket } from 'node:tls';
import type { ClientOptions } from 'ws';
import { NgError } from '../shared/errors';

const PIN_FRAGMENT = /#sha256=([0-9a-fA-F:]+)$/;

/** Lower-case hex without separators (the form of Node's fingerprint256 stripped of colons). */
export const normalizePin = (fp: string): string => fp.replace(/:/g, '').toLowerCase();

/** Splits `wss://host:port/agent/v1#sha256=<hex>` into the URL to dial and its pin (null without one). */
export function splitPinnedUrl(url: string): { url: string; pin: string | null } {
  const m = PIN_FRAGMENT.exec(url);
  if (!m) return { url, pin: null };
  const pin = normalizePin(m[1]!);
  if (!/^[0-9a-f]{64}$/.test(pin)) throw new NgError('NG_VALIDATION', `${url}: the #sha256= part must be a SHA-256 fingerprint (64 hex digits)`);
  return { url: url.slice(0, m.index), pin };
}

/**
 * WebSocket options for a wss:// URL with pins: the CA check is replaced by the pin check (done
 * by `checkPin` once TLS is up, before anything is sent). Without pins the usual CA check applies.
 */
export function tlsOptions(url: string, pins: readonly string[]): Pick<ClientOptions, 'rejectUnauthorized'> {
  return url.startsWith('wss://') && pins.length > 0 ? { rejectUnauthorized: false } : {};
}

/** The pin check for a TLS socket: null when it presents a pinned certificate, else the coded refusal. */
export function checkPin(socket: unknown, url: string, pins: readonly string[]): NgError | null {
  if (!url.startsWith('wss://') || pins.length === 0) return null;
  const cert = (socket as TLSSocket).getPeerCertificate?.();
  const seen = cert?.fingerprint256 ? normalizePin(cert.fingerprint256) : null;
  if (seen && pins.includes(seen)) return null;
  return new NgError('NG_BAD_SIGNATURE', `${url} presents certificate ${seen ?? '(none)'}, which is not a pinned node certificate; refusing to talk to it`);
}
