// Hands the garbage of a finished apply back to the OS. Rendering and applying 1000 domains leaves
// megabytes of dead strings in V8's heap, and an edge agent then idles for hours: one full,
// compacting collection right away frees those pages, where V8's own memory reducer would take
// its time. Only where the launcher exposes gc (bin/netgoat-agent.mjs: --expose-gc, with
// --compact-on-every-full-gc so the collection also gives back fragmented pages); else a no-op.

export function releaseApplyGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
