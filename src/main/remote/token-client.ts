// OAuth2 client credentials for the leader's links to remote peers: the token endpoint comes from
// the authority's OIDC discovery; a token is reused until three quarters of its life have passed,
// then a fresh one is fetched, so a link never presents one about to expire.

import { NgError } from '../../shared/errors';
import { discoverOidc, type Fetch } from './oidc-discovery';

export interface ClientCredentialsOptions {
  authority: string;
  clientId: string;
  /** Called for each token request; the secret lives in memory only for that request. */
  clientSecret: () => string;
  scopes: readonly string[];
  /** RFC 8707 resource indicator: the remote node the token is for (its audience). */
  resource?: string;
  fetch?: Fetch;
  now?: () => number;
}

export interface AccessToken {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms after which getToken() fetches a new one. */
  refreshAt: number;
}

const REFRESH_AT_FRACTION = 0.75;

export class ClientCredentialsClient {
  private tokenEndpoint: Promise<string> | undefined;
  private cached: AccessToken | undefined;
  private inFlight: Promise<AccessToken> | undefined;
  private readonly fetchImpl: Fetch;
  private readonly now: () => number;

  constructor(private readonly opts: ClientCredentialsOptions) {
    this.fetchImpl = opts.fetch ?? fetch;
    this.now = opts.now ?? Date.now;
  }

  /** A bearer token valid for at least a quarter of its lifetime; concurrent callers share one request. */
  async getToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.token;
    this.inFlight ??= this.fetchToken().finally(() => (this.inFlight = undefined));
    this.cached = await this.inFlight;
    return this.cached.token;
  }

  /** Drops the cached token (e.g. after the remote refused it). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<AccessToken> {
    this.tokenEndpoint ??= discoverOidc(this.opts.authority, this.fetchImpl)
      .then((m) => m.tokenEndpoint)
      .catch((e: unknown) => {
        this.tokenEndpoint = undefined;
        throw e;
      });
    const endpoint = await this.tokenEndpoint;
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.opts.scopes.length > 0) body.set('scope', this.opts.scopes.join(' '));
    if (this.opts.resource) body.set('resource', this.opts.resource);
    const basic = Buffer.from(`${encodeURIComponent(this.opts.clientId)}:${encodeURIComponent(this.opts.clientSecret())}`).toString('base64');
    const requestedAt = this.now();
    let res: Response;
    try {
      res = await this.fetchImpl(endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      throw new NgError('NG_UNAVAILABLE', `token endpoint ${endpoint} is not reachable: ${(e as Error).message}`);
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      // The provider's error code is safe to show; the request itself (with the secret) never is.
      const reason = typeof json.error === 'string' ? json.error : `HTTP ${res.status}`;
      const why = typeof json.error_description === 'string' ? ` (${json.error_description.slice(0, 200)})` : '';
      throw new NgError(res.status === 400 || res.status === 401 ? 'NG_UNAUTHENTICATED' : 'NG_UNAVAILABLE', `token endpoint ${endpoint} refused client ${this.opts.clientId}: ${reason}${why}`, { details: { reason } });
    }
    if (typeof json.access_token !== 'string' || typeof json.expires_in !== 'number' || json.expires_in <= 0) {
      throw new NgError('NG_BAD_MESSAGE', `token endpoint ${endpoint} answered without access_token and expires_in`);
    }
    const lifetimeMs = json.expires_in * 1000;
    return { token: json.access_token, expiresAt: requestedAt + lifetimeMs, refreshAt: requestedAt + lifetimeMs * REFRESH_AT_FRACTION };
  }
}
