// The TXT record a node advertises with `_netgoat._tcp`. Exactly four keys, all public: a stranger
// on the LAN may read them. Never a key, a join code, a token or a MAC address.
//
//   id    node id                        e.g. "n4k2m9x1"
//   cid   SHA-256 hash of the cluster id (64 hex; absent before the node joins a cluster)
//   port  peer-link port                 1..65535
//   fp    SHA-256 fingerprint of the node certificate (64 hex)

export const TXT_KEYS = ['id', 'cid', 'port', 'fp'] as const;

export interface Advertisement {
  nodeId: string;
  /** Hash of the cluster id (see cluster-keys `clusterIdHash`), or null before create/join. */
  clusterIdHash: string | null;
  port: number;
  fingerprint: string;
}

const NODE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** The TXT key/values for an advertisement; throws on a value that would not decode on the other side. */
export function encodeTxt(ad: Advertisement): Record<string, string> {
  const problem = checkAdvertisement(ad);
  if (problem) throw new Error(`refusing to advertise: ${problem}`);
  return { id: ad.nodeId, ...(ad.clusterIdHash ? { cid: ad.clusterIdHash } : {}), port: String(ad.port), fp: ad.fingerprint };
}

/** Reads a TXT record seen on the wire; null when it is not a well-formed Netgoat advertisement. */
export function decodeTxt(txt: unknown): Advertisement | null {
  if (typeof txt !== 'object' || txt === null) return null;
  const t = txt as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof t[k] === 'string' ? t[k] : Buffer.isBuffer(t[k]) ? t[k].toString('utf8') : undefined);
  const port = Number(str('port'));
  const ad: Advertisement = { nodeId: str('id') ?? '', clusterIdHash: str('cid') ?? null, port, fingerprint: str('fp') ?? '' };
  return checkAdvertisement(ad) ? null : ad;
}

function checkAdvertisement(ad: Advertisement): string | null {
  if (!NODE_ID.test(ad.nodeId)) return `node id ${JSON.stringify(ad.nodeId)} is not a node id`;
  if (ad.clusterIdHash !== null && !HEX64.test(ad.clusterIdHash)) return 'the cluster id hash must be 64 hex characters';
  if (!Number.isInteger(ad.port) || ad.port < 1 || ad.port > 65535) return `port ${ad.port} is not 1..65535`;
  if (!HEX64.test(ad.fingerprint)) return 'the fingerprint must be a SHA-256 in hex (64 characters)';
  return null;
}
