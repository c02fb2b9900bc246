// The remote node's side: before it replicates with a leader that dialled in, it checks the bearer
// JWT: signature against the issuer's JWKS (asymmetric algorithms only, so "none" and HMAC tricks
// fail), issuer, audience (this node), expiry and not-before, and the scope that grants replication.

import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { NgError, type ErrorCode } from '../../shared/errors';
import { discoverOidc, type Fetch } from './oidc-discovery';

export interface TokenVerifierOptions {
  /** The trusted OIDC issuer (its discovery document names the JWKS). */
  issuer: string;
  /** This node's id or URL, as the provider puts it in `aud`. */
  audience: string;
  /** The scope a token must carry to replicate, e.g. "netgoat:replicate". */
  requiredScope: string;
  fetch?: Fetch;
  /** Clock for exp/nbf, epoch ms. */
  now?: () => number;
  clockToleranceSeconds?: number;
}

export interface VerifiedToken {
  clientId: string | undefined;
  subject: string | undefined;
  scopes: string[];
  expiresAt: number;
}

export type TokenRefusal = 'unsigned' | 'malformed' | 'signature' | 'expired' | 'not-yet-valid' | 'issuer' | 'audience' | 'scope';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

const refuse = (code: ErrorCode, reason: TokenRefusal, message: string): NgError => new NgError(code, message, { details: { reason } });

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  let keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const jwks = () =>
    (keys ??= discoverOidc(opts.issuer, opts.fetch).then((m) => createRemoteJWKSet(new URL(m.jwksUri))).catch((e: unknown) => {
      keys = undefined;
      throw e;
    }));
  const now = opts.now ?? Date.now;

  return async (token) => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw refuse('NG_UNAUTHENTICATED', 'malformed', 'the bearer token is not a JWT');
    }
    if (!alg || alg.toLowerCase() === 'none') throw refuse('NG_BAD_SIGNATURE', 'unsigned', 'the bearer token is unsigned (alg "none")');
    if (!ASYMMETRIC.includes(alg)) throw refuse('NG_BAD_SIGNATURE', 'signature', `the bearer token uses ${alg}; only the issuer's asymmetric keys are trusted`);

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await jwks(), {
        issuer: opts.issuer,
        audience: opts.audience,
        algorithms: ASYMMETRIC,
        currentDate: new Date(now()),
        requiredClaims: ['exp'],
        clockTolerance: opts.clockToleranceSeconds ?? 5,
      }));
    } catch (e) {
      throw mapJoseError(e);
    }
    const scopes = scopesOf(payload);
    if (!scopes.includes(opts.requiredScope)) {
      throw refuse('NG_FORBIDDEN', 'scope', `the bearer token lacks scope ${opts.requiredScope} (has: ${scopes.join(' ') || 'none'})`);
    }
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : undefined;
    return { clientId, subject: payload.sub, scopes, expiresAt: payload.exp! * 1000 };
  };
}

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((s): s is string => typeof s === 'string');
  return [];
}

function mapJoseError(e: unknown): NgError {
  if (e instanceof NgError) return e;
  if (e instanceof errors.JWTExpired) return refuse('NG_REVOKED', 'expired', 'the bearer token has expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'iss') return refuse('NG_UNAUTHENTICATED', 'issuer', 'the bearer token was issued by an issuer this node does not trust');
    if (e.claim === 'aud') return refuse('NG_UNAUTHENTICATED', 'audience', 'the bearer token is meant for another node (audience)');
    if (e.claim === 'nbf') return refuse('NG_UNAUTHENTICATED', 'not-yet-valid', 'the bearer token is not valid yet (nbf)');
    return refuse('NG_UNAUTHENTICATED', 'malformed', `the bearer token's ${e.claim} claim is invalid`);
  }
  if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JOSEAlgNotAllowed) {
    return refuse('NG_BAD_SIGNATURE', 'signature', "the bearer token's signature does not verify against the issuer's keys");
  }
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) return new NgError('NG_UNAVAILABLE', `the issuer's keys could not be fetched: ${(e as Error).message}`);
  return refuse('NG_UNAUTHENTICATED', 'malformed', `the bearer token is invalid: ${(e as Error).message}`);
}
