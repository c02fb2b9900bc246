// Building blocks shared by the collection schemas.

import { z } from 'zod';
import { isValidId } from '../ids';
import { normalizeHostname } from '../hostname';

export const id = z.string().refine(isValidId, 'must be an id: lower-case letters, digits, "_" or "-", at most 64');
export const teamId = id;
export const isoTime = z.string().datetime({ offset: true });
export const epochMs = z.number().int().nonnegative();

/** A label that selects which agents serve a domain, e.g. "region=eu" or "edge". */
export const label = z.string().regex(/^[a-z0-9][a-z0-9._=-]{0,62}$/, 'labels are lower-case letters, digits, ".", "_", "=", "-" (at most 63)');
export const labels = z.array(label).max(32);

/** Canonical ASCII hostname; accepts Unicode input and converts it. */
export const hostname = z.string().max(300).transform((value, ctx) => {
  const r = normalizeHostname(value);
  if (!r.ok) {
    ctx.addIssue({ code: 'custom', message: r.reason });
    return z.NEVER;
  }
  return r.hostname;
});

/**
 * A secret at rest: AES-256-GCM under a node-held data key (key id `kid`). The plaintext never
 * appears in the store, in ops, in logs or in API responses.
 */
export const sealedSecret = z.strictObject({
  alg: z.literal('aes-256-gcm'),
  kid: z.string().min(1).max(64),
  iv: z.string().max(64),
  tag: z.string().max(64),
  ct: z.string().max(1_000_000),
});
export type SealedSecret = z.infer<typeof sealedSecret>;

export const role = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof role>;
