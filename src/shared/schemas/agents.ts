// Edge agents and their one-time enrollment tokens.

import { z } from 'zod';
import { id, labels, teamId } from './common';

/**
 * A session key the agent signs with. Keys replicate to cluster members (who hold the cluster key
 * and are fully trusted) so an agent can fail over to any node; the API never returns `secret`.
 */
export const agentKey = z.strictObject({
  kid: z.string().regex(/^[a-z0-9_-]{1,64}$/),
  /** 32 random bytes, base64url. */
  secret: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  createdAt: z.number().int().nonnegative(),
});
export type AgentKey = z.infer<typeof agentKey>;

export const agent = z.strictObject({
  teamId,
  name: z.string().trim().min(1).max(80),
  labels,
  /** Primary first; the secondary (if any) is still accepted until the next rotation. */
  keys: z.array(agentKey).max(2),
  revoked: z.boolean(),
  createdAt: z.number().int().nonnegative(),
});

export const agentToken = z.strictObject({
  teamId,
  /** SHA-256 of the token: the token itself is shown once and never stored. */
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string().trim().min(1).max(80),
  labels,
  expiresAt: z.number().int().nonnegative(),
  usedBy: id.nullable(),
  revoked: z.boolean(),
  createdBy: id,
});
