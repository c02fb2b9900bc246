// TLS certificates. The private key is sealed at rest; only the agent that serves a domain gets it.

import { z } from 'zod';
import { hostname, sealedSecret, teamId } from './common';

export const certificate = z.strictObject({
  teamId,
  names: z.array(hostname).min(1).max(100),
  chainPem: z.string().max(65_536),
  privateKey: sealedSecret,
  notAfter: z.number().int().nonnegative(),
});
