// A real OpenID provider (the `oidc-provider` package) on 127.0.0.1 for the remote-peer tests:
// client_credentials enabled, one resource server per remote node, access tokens issued as JWTs.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface TestClient {
  clientId: string;
  clientSecret: string;
  /** Scopes the client may ask for. */
  scope: string;
}

export interface TestProviderOptions {
  /** Resource indicators (remote node URLs) the provider issues tokens for; the first is the default. */
  resources: readonly string[];
  /** Scopes every resource server offers. */
  scopes: readonly string[];
  clients: readonly TestClient[];
  accessTokenTtlSeconds?: number;
  /** Signing keys (share them between two providers to isolate the issuer check). */
  signingKeys?: { keys: JWK[] };
}

export interface TestProvider {
  issuer: string;
  signingKeys: { keys: JWK[] };
  /** How many token requests reached the token endpoint. */
  tokenRequests(): number;
  close(): Promise<void>;
}

export async function newSigningKeys(): Promise<{ keys: JWK[] }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { keys: [{ ...(await exportJWK(privateKey)), kid: `k-${Math.random().toString(36).slice(2, 10)}`, alg: 'RS256', use: 'sig' }] };
}

export async function startOidcProvider(opts: TestProviderOptions): Promise<TestProvider> {
  // The provider needs its issuer URL, which needs the port: the server starts first, the handler follows.
  const app: { handle?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  let tokenRequests = 0;
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/token')) tokenRequests++;
    app.handle!(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKeys = opts.signingKeys ?? (await newSigningKeys());
  const ttl = opts.accessTokenTtlSeconds ?? 300;

  const provider = new Provider(issuer, {
    clients: opts.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: c.scope,
    })),
    jwks: signingKeys,
    scopes: [...opts.scopes],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => opts.resources[0]!,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (!opts.resources.includes(resourceIndicator)) throw new Provider.errors.InvalidTarget();
          return { scope: opts.scopes.join(' '), audience: resourceIndicator, accessTokenTTL: ttl, accessTokenFormat: 'jwt' };
        },
      },
    },
  });
  app.handle = provider.callback();

  return {
    issuer,
    signingKeys,
    tokenRequests: () => tokenRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
