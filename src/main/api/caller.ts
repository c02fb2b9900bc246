// Who is calling: nobody, a user through a session, or a user through a scoped API token.

import type { Stored } from '../db/store';
import type { ApiToken } from '../auth/api-tokens';

export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'user'; user: Stored<'users'>; via: 'session'; sessionIdHash: string }
  | { kind: 'user'; user: Stored<'users'>; via: 'token'; token: ApiToken };

export type UserCaller = Extract<Caller, { kind: 'user' }>;

export const ANONYMOUS: Caller = { kind: 'anonymous' };
