// Editing a nested draft by path (["upstreamPools", 0, "servers", 1, "port"]): the same paths the
// node's validation errors carry, so a form binds value, change and error message with one path.
export type DraftPath = readonly (string | number)[];

export function getIn(obj: unknown, path: DraftPath): unknown {
  let cur = obj;
  for (const key of path) cur = (cur as Record<string | number, unknown> | null | undefined)?.[key];
  return cur;
}

/** A copy of `obj` with the value at `path` replaced; only the containers along the path are copied. */
export function setIn<T>(obj: T, path: DraftPath, value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const container = obj as unknown as Record<string | number, unknown>;
  const copy: Record<string | number, unknown> = Array.isArray(container) ? [...(container as unknown[])] as unknown as Record<number, unknown> : { ...container };
  copy[head] = setIn(container[head], rest, value);
  return copy as T;
}
