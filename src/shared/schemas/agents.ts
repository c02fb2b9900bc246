// Edge agents and their one-time enrollment tokens.

import { z } from 'zod';
import { id, labels, teamId } from './common';

export const agent = z.strictObject({
  teamId,
  name: z.string().trim().min(1).max(80),
  labels,
  /** Ids of the session keys this agent may sign with (primary first). */
  keyIds: z.array(z.string().max(64)).max(2),
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
