// The event stream: after every store commit the node pushes the changed documents the caller may
// see (secrets stripped), so screens update without polling. Clients treat it as a hint and may
// re-fetch with the list procedures; a reconnecting client should re-fetch what it shows.

import { z } from 'zod';

export const apiChange = z.object({
  collection: z.string(),
  id: z.string(),
  /** Team of the document; null for instance-wide collections (teams are their own team). */
  teamId: z.string().nullable(),
  deleted: z.boolean(),
  /** Version after the change (null when deleted). */
  version: z.string().nullable(),
  /** The document after the change with secrets removed; null when deleted. */
  doc: z.record(z.string(), z.unknown()).nullable(),
});
export type ApiChange = z.infer<typeof apiChange>;

export const apiEventMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), nodeId: z.string() }),
  z.object({ type: z.literal('changes'), changes: z.array(apiChange) }),
]);
export type ApiEventMessage = z.infer<typeof apiEventMessage>;
