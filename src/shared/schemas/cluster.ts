// The cluster itself: members, remote peers beyond the LAN, and the optional MongoDB source.

import { z } from 'zod';
import { sealedSecret } from './common';

const nodeId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/);
const fingerprint = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 certificate fingerprint in hex');

export const member = z.strictObject({
  nodeId,
  name: z.string().trim().min(1).max(80),
  certFingerprint: fingerprint,
  priority: z.number().int().min(0).max(1000),
  address: z.string().max(300).nullable(),
  removed: z.boolean(),
  joinedAt: z.number().int().nonnegative(),
});

export const remotePeer = z.strictObject({
  nodeId,
  address: z.string().url().max(2048),
  type: z.enum(['cloud', 'remote']),
  oauth2: z.strictObject({
    authority: z.string().url().max(2048),
    clientId: z.string().min(1).max(256),
    clientSecret: sealedSecret,
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/)).max(32),
  }),
  enabled: z.boolean(),
  /** The remote node's TLS certificate: pinned by the leader on the first link, or set by the operator. */
  certFingerprint: fingerprint.optional(),
});

export const source = z.strictObject({
  kind: z.literal('mongodb'),
  uri: sealedSecret,
  database: z.string().min(1).max(64),
  enabled: z.boolean(),
  /** Change-stream resume token, replicated so a new leader resumes where the old one stopped. */
  resumeToken: z.string().max(4096).nullable(),
});
