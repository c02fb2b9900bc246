// Tenancy and identity: teams are the tenant boundary; memberships give a user a role in a team.

import { z } from 'zod';
import { id, role } from './common';

export const team = z.strictObject({
  name: z.string().trim().min(1).max(80),
  createdAt: z.number().int().nonnegative(),
});

export const user = z.strictObject({
  email: z.string().trim().toLowerCase().email().max(254),
  displayName: z.string().trim().min(1).max(80),
  /** scrypt$N$r$p$salt$hash: never the password itself. */
  passwordHash: z.string().max(512),
  /** Instance owner: manages teams, the cluster, peers and sources. */
  owner: z.boolean(),
  disabled: z.boolean(),
  createdAt: z.number().int().nonnegative(),
});

export const membership = z.strictObject({
  userId: id,
  teamId: id,
  role,
});
