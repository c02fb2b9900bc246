// A few plain checks that build the agent's message validators (src/agent/wire-check.ts). The agent
// does not load zod: its schemas, built when imported, cost an idle agent about 5 MB of memory
// (library source, closures, hidden classes), while the agent checks only a handful of message
// kinds. Each check returns the first problem (path and reason) or null.

import { isValidId } from '../shared/ids';

export type Path = (string | number)[];
export interface Problem {
  path: Path;
  message: string;
}
export type Check = (value: unknown, path: Path) => Problem | null;
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: Problem };

const problem = (path: Path, message: string): Problem => ({ path, message });
const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

export function str(opts: { min?: number; max?: number; pattern?: RegExp; refine?: (s: string) => string | null } = {}): Check {
  return (v, path) => {
    if (typeof v !== 'string') return problem(path, `expected a string, got ${typeName(v)}`);
    if (opts.min !== undefined && v.length < opts.min) return problem(path, `must be at least ${opts.min} characters`);
    if (opts.max !== undefined && v.length > opts.max) return problem(path, `must be at most ${opts.max} characters`);
    if (opts.pattern && !opts.pattern.test(v)) return problem(path, `does not match ${opts.pattern.source}`);
    const reason = opts.refine?.(v) ?? null;
    return reason === null ? null : problem(path, reason);
  };
}

/** A finite number within bounds; `int` also requires a safe integer (as zod's .int() does). */
export function num(opts: { int?: boolean; min?: number; max?: number } = {}): Check {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return problem(path, `expected a number, got ${typeName(v)}`);
    if (opts.int && !Number.isSafeInteger(v)) return problem(path, 'must be a whole number');
    if (opts.min !== undefined && v < opts.min) return problem(path, `must be at least ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) return problem(path, `must be at most ${opts.max}`);
    return null;
  };
}

export const int = (min = 0, max = Number.MAX_SAFE_INTEGER): Check => num({ int: true, min, max });

export const bool: Check = (v, path) => (typeof v === 'boolean' ? null : problem(path, `expected a boolean, got ${typeName(v)}`));

export const oneOf = (values: readonly unknown[]): Check => (v, path) => (values.includes(v) ? null : problem(path, `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`));

export const nullable = (check: Check): Check => (v, path) => (v === null ? null : check(v, path));

export const either = (a: Check, b: Check): Check => (v, path) => (a(v, path) === null ? null : b(v, path));

/** An array within length bounds whose items all pass; `refine` then sees the whole (checked) array. */
export function list(item: Check, opts: { min?: number; max?: number; refine?: (items: unknown[], path: Path) => Problem | null } = {}): Check {
  return (v, path) => {
    if (!Array.isArray(v)) return problem(path, `expected an array, got ${typeName(v)}`);
    if (opts.min !== undefined && v.length < opts.min) return problem(path, `must hold at least ${opts.min} items`);
    if (opts.max !== undefined && v.length > opts.max) return problem(path, `must hold at most ${opts.max} items`);
    for (let i = 0; i < v.length; i++) {
      const p = item(v[i], [...path, i]);
      if (p) return p;
    }
    return opts.refine?.(v, path) ?? null;
  };
}

/**
 * An object with exactly these keys (a key listed in `optional` may be absent; unknown keys are
 * refused); `refine` then sees the whole (checked) object.
 */
export function strict(fields: Record<string, Check>, opts: { optional?: readonly string[]; refine?: (o: Record<string, unknown>, path: Path) => Problem | null } = {}): Check {
  const keys = Object.keys(fields);
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return problem(path, `expected an object, got ${typeName(v)}`);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!Object.hasOwn(fields, k)) return problem([...path, k], 'is not a known field');
    for (const k of keys) {
      if (!Object.hasOwn(o, k) || o[k] === undefined) {
        if (opts.optional?.includes(k)) continue;
        return problem([...path, k], 'is required');
      }
      const p = fields[k]!(o[k], [...path, k]);
      if (p) return p;
    }
    return opts.refine?.(o, path) ?? null;
  };
}

/** Field checks both ends' plain validators use (wire-check.ts, the node's agent-body-check.ts), as src/shared/wire/agent.ts has them. */
export const id = str({ refine: (s) => (isValidId(s) ? null : 'must be an id: lower-case letters, digits, "_" or "-", at most 64') });
export const hex64 = str({ pattern: /^[0-9a-f]{64}$/ });
export const checksumOrEmpty = either(hex64, oneOf(['']));
export const version = int();

/** One of several object shapes, chosen by its `type` field. */
export function byType(shapes: Record<string, Check>): Check {
  return (v, path) => {
    const type = typeof v === 'object' && v !== null ? (v as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !Object.hasOwn(shapes, type)) return problem([...path, 'type'], `must be one of ${Object.keys(shapes).join(', ')}`);
    return shapes[type]!(v, path);
  };
}

/** A problem as one line: "path reason" (the form the agent logs and puts in its NG_ errors). */
export const describe = (p: Problem): string => `${p.path.join('.')} ${p.message}`.trim();

/** Runs a check; the value is passed through as T when it passes. */
export function run<T>(check: Check, value: unknown): Checked<T> {
  const problem = check(value, []);
  return problem ? { ok: false, problem } : { ok: true, value: value as T };
}
