// Random bearer secrets (session ids, API tokens) and the hash under which they are stored: a
// leaked database never yields a usable session or token.

import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');
