// Who may call what: team roles in rank order, the access rule each procedure declares, and the
// scopes an API token can carry. The dispatcher in src/main/api applies these in one place.

import { z } from 'zod';
import type { Role } from '../schemas/common';

export type { Role };

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** True when `have` grants at least what `need` asks for. */
export const roleAtLeast = (have: Role, need: Role): boolean => RANK[have] >= RANK[need];

/**
 * - public: anyone, signed in or not.
 * - authenticated: any signed-in user.
 * - team: the caller's role in `input.teamId` is at least `minRole` (an instance owner counts as
 *   admin of every team). With `ownerWithoutTeam`, `teamId` may be left out, and then only the
 *   instance owner may call it (e.g. the instance-wide audit view).
 * - owner: only the instance owner.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'team'; minRole: Role; ownerWithoutTeam?: true }
  | { kind: 'owner' };

/** Reads never change state; the API-token scope `read` allows only reads. */
export type Effect = 'read' | 'write';

export const tokenScope = z.enum(['read', 'write']);
export type TokenScope = z.infer<typeof tokenScope>;

/** The highest team role a token of this scope can exercise: tokens never get admin powers. */
export const TOKEN_ROLE_CAP: Record<TokenScope, Role> = { read: 'viewer', write: 'operator' };
