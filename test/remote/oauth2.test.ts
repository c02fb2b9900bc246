// Client credentials and token verification against a real OpenID provider on loopback: the
// leader's client finds the token endpoint by discovery and refreshes early; the remote node's
// verifier accepts only a signed, current token from its issuer, for itself, with the right scope.

import { UnsecuredJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NgError } from '../../src/shared/errors';
import { ClientCredentialsClient } from '../../src/main/remote/token-client';
import { createTokenVerifier } from '../../src/main/remote/token-verifier';
import { startOidcProvider, type TestProvider } from './oidc-provider';

const NODE_B = 'https://node-b.example';
const NODE_C = 'https://node-c.example';
const SCOPE = 'netgoat:replicate';
const LEADER = { clientId: 'leader', clientSecret: 'leader-secret-0123456789', scope: `${SCOPE} netgoat:read` };
const READER = { clientId: 'reader', clientSecret: 'reader-secret-0123456789', scope: 'netgoat:read' };
const TTL = 300;

let provider: TestProvider;
let impostor: TestProvider;

beforeAll(async () => {
  provider = await startOidcProvider({ resources: [NODE_B, NODE_C], scopes: [SCOPE, 'netgoat:read'], clients: [LEADER, READER], accessTokenTtlSeconds: TTL });
  // Same signing keys, other issuer: only the issuer check can tell its tokens apart.
  impostor = await startOidcProvider({ resources: [NODE_B], scopes: [SCOPE, 'netgoat:read'], clients: [LEADER], signingKeys: provider.signingKeys });
});
afterAll(async () => {
  await Promise.all([provider?.close(), impostor?.close()]);
});

const clientFor = (issuer: string, c: typeof LEADER, opts: { resource?: string; scopes?: string[]; now?: () => number } = {}) =>
  new ClientCredentialsClient({ authority: issuer, clientId: c.clientId, clientSecret: () => c.clientSecret, scopes: opts.scopes ?? c.scope.split(' '), resource: opts.resource ?? NODE_B, ...(opts.now ? { now: opts.now } : {}) });

const verifierFor = (opts: { now?: () => number } = {}) => createTokenVerifier({ issuer: provider.issuer, audience: NODE_B, requiredScope: SCOPE, ...opts });

async function refusal(p: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(NgError);
  return { code: (e as NgError).code, reason: (e as NgError).details?.reason };
}

describe('OAuth2 client credentials (leader side)', () => {
  it('gets a JWT access token for the remote node through OIDC discovery', async () => {
    const token = await clientFor(provider.issuer, LEADER).getToken();
    const claims = decodeJwt(token);
    expect(claims.iss).toBe(provider.issuer);
    expect(claims.aud).toBe(NODE_B);
    expect(String(claims.scope).split(' ')).toContain(SCOPE);
  });

  it('reuses the token until three quarters of its life, then fetches a new one before it expires', async () => {
    let now = Date.now();
    const client = clientFor(provider.issuer, LEADER, { now: () => now });
    const before = provider.tokenRequests();
    const first = await client.getToken();
    now += (TTL * 1000) / 2;
    expect(await client.getToken()).toBe(first);
    expect(provider.tokenRequests() - before).toBe(1);
    now += (TTL * 1000) / 4 + 1;
    const second = await client.getToken();
    expect(provider.tokenRequests() - before).toBe(2);
    expect(second).not.toBe(first);
    expect(decodeJwt(second).jti).not.toBe(decodeJwt(first).jti);
  });

  it('shares one token request among concurrent callers', async () => {
    const client = clientFor(provider.issuer, LEADER);
    const before = provider.tokenRequests();
    const tokens = await Promise.all([client.getToken(), client.getToken(), client.getToken()]);
    expect(new Set(tokens).size).toBe(1);
    expect(provider.tokenRequests() - before).toBe(1);
  });

  it('reports a wrong client secret as NG_UNAUTHENTICATED without echoing the secret', async () => {
    const client = clientFor(provider.issuer, { ...LEADER, clientSecret: 'not-the-secret-xyz' });
    const e = await client.getToken().catch((err: unknown) => err as NgError);
    expect((e as NgError).code).toBe('NG_UNAUTHENTICATED');
    expect((e as NgError).message).not.toContain('not-the-secret-xyz');
  });

  it('refuses an authority over plain http off loopback', async () => {
    expect(await refusal(clientFor('http://auth.example', LEADER).getToken())).toMatchObject({ code: 'NG_VALIDATION' });
  });
});

describe('bearer token verification (remote node side)', () => {
  it('accepts a good token and names the client and its scopes', async () => {
    const verified = await verifierFor()(await clientFor(provider.issuer, LEADER).getToken());
    expect(verified.clientId).toBe('leader');
    expect(verified.scopes).toContain(SCOPE);
    expect(verified.expiresAt).toBeGreaterThan(Date.now());
  });

  it('refuses an expired token', async () => {
    const token = await clientFor(provider.issuer, LEADER).getToken();
    expect(await refusal(verifierFor({ now: () => Date.now() + (TTL + 60) * 1000 })(token))).toEqual({ code: 'NG_REVOKED', reason: 'expired' });
  });

  it('refuses a token meant for another node (wrong audience)', async () => {
    const token = await clientFor(provider.issuer, LEADER, { resource: NODE_C }).getToken();
    expect(await refusal(verifierFor()(token))).toEqual({ code: 'NG_UNAUTHENTICATED', reason: 'audience' });
  });

  it('refuses a token from another issuer even when it is signed with the same keys', async () => {
    const token = await clientFor(impostor.issuer, LEADER).getToken();
    expect(await refusal(verifierFor()(token))).toEqual({ code: 'NG_UNAUTHENTICATED', reason: 'issuer' });
  });

  it('refuses a token without the replication scope', async () => {
    const token = await clientFor(provider.issuer, READER).getToken();
    expect(decodeJwt(token).aud).toBe(NODE_B);
    expect(await refusal(verifierFor()(token))).toEqual({ code: 'NG_FORBIDDEN', reason: 'scope' });
  });

  it('refuses an unsigned token (alg none) carrying otherwise valid claims', async () => {
    const unsigned = new UnsecuredJWT({ scope: SCOPE, client_id: 'leader' }).setIssuer(provider.issuer).setAudience(NODE_B).setIssuedAt().setExpirationTime('5m').encode();
    expect(await refusal(verifierFor()(unsigned))).toEqual({ code: 'NG_BAD_SIGNATURE', reason: 'unsigned' });
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const token = await clientFor(provider.issuer, READER).getToken();
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: SCOPE })).toString('base64url');
    expect(await refusal(verifierFor()(`${header}.${forged}.${signature}`))).toEqual({ code: 'NG_BAD_SIGNATURE', reason: 'signature' });
  });
});
