// OIDC discovery: the authority's `/.well-known/openid-configuration` names its token endpoint and
// its signing keys. Only https authorities are accepted, except on loopback (local providers, tests).

import { NgError } from '../../shared/errors';

export interface OidcMetadata {
  issuer: string;
  tokenEndpoint: string;
  jwksUri: string;
}

export type Fetch = typeof fetch;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Refuses an authority URL that would send a client secret or trust keys over plain http off the machine. */
export function checkAuthorityUrl(raw: string, what = 'authority'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new NgError('NG_VALIDATION', `${what} ${JSON.stringify(raw)} is not a URL`, { path: [what] });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new NgError('NG_VALIDATION', `${what} ${raw} must use https (plain http is allowed on loopback only)`, { path: [what] });
  }
  return url;
}

const trimSlash = (s: string) => s.replace(/\/+$/, '');

export async function discoverOidc(authority: string, fetchImpl: Fetch = fetch): Promise<OidcMetadata> {
  const base = checkAuthorityUrl(authority);
  const url = `${trimSlash(base.href)}/.well-known/openid-configuration`;
  let body: Record<string, unknown>;
  try {
    const res = await fetchImpl(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = (await res.json()) as Record<string, unknown>;
  } catch (e) {
    throw new NgError('NG_UNAVAILABLE', `OIDC discovery at ${url} failed: ${(e as Error).message}`);
  }
  const { issuer, token_endpoint: tokenEndpoint, jwks_uri: jwksUri } = body;
  if (typeof issuer !== 'string' || typeof tokenEndpoint !== 'string' || typeof jwksUri !== 'string') {
    throw new NgError('NG_BAD_MESSAGE', `OIDC discovery at ${url} lacks issuer, token_endpoint or jwks_uri`);
  }
  // The document must describe the authority that was configured, not some other issuer.
  if (trimSlash(issuer) !== trimSlash(authority)) {
    throw new NgError('NG_BAD_MESSAGE', `OIDC discovery at ${url} names issuer ${issuer}, not ${authority}`);
  }
  checkAuthorityUrl(tokenEndpoint, 'token_endpoint');
  checkAuthorityUrl(jwksUri, 'jwks_uri');
  return { issuer, tokenEndpoint, jwksUri };
}
