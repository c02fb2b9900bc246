// Turns a zod failure into the one coded error every caller sees: NG_VALIDATION with the path of
// the first offending field, so forms can show the message next to the right input.

import type { z } from 'zod';
import { NgError } from './errors';

export function validationError(error: z.ZodError, prefix: readonly (string | number)[] = []): NgError {
  const issue = error.issues[0];
  // An unexpected key is reported by zod at its parent; point at the key itself.
  const extraKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const path = [...prefix, ...((issue?.path ?? []) as (string | number)[]), ...(extraKey !== undefined ? [extraKey] : [])];
  const where = path.length > 0 ? path.join('.') : 'input';
  return new NgError('NG_VALIDATION', `${where}: ${issue?.message ?? 'invalid'}`, {
    path,
    details: { issues: error.issues.slice(0, 10).map((i) => ({ path: [...prefix, ...(i.path as (string | number)[])], message: i.message })) },
  });
}

/** Parse or throw NG_VALIDATION. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix: readonly (string | number)[] = []): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, prefix);
  return r.data;
}
