// Node-local tables of the cluster module, kept in the node's own SQLite file and never replicated:
// the node's TLS identity and the cluster keys it holds.

import type { Migration } from '../db/migrations';

export const clusterMigrations: readonly Migration[] = [
  {
    name: 'cluster-1-identity-and-keys',
    up: (db) => db.exec(`
      CREATE TABLE node_tls_identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        key_pem TEXT NOT NULL,
        cert_pem TEXT NOT NULL,
        fingerprint TEXT NOT NULL
      ) STRICT;
      CREATE TABLE cluster_keys (
        slot TEXT PRIMARY KEY CHECK (slot IN ('current', 'previous')),
        cluster_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        key BLOB NOT NULL
      ) STRICT;`),
  },
];
