// The node's TLS identity: an EC P-256 key and a self-signed certificate, made once and kept in the
// node-local table. Peers pin the certificate's SHA-256 fingerprint in the replicated member list.

import type Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NgError } from '../../shared/errors';

export interface NodeCertificate {
  keyPem: string;
  certPem: string;
  /** SHA-256 of the DER certificate, lower-case hex without separators. */
  fingerprint: string;
}

/** The lower-case hex form of Node's "AB:CD:..." fingerprint256. */
export const normalizeFingerprint = (fp256: string): string => fp256.replace(/:/g, '').toLowerCase();

export function loadOrCreateNodeCertificate(db: Database.Database, nodeId: string): NodeCertificate {
  const row = db.prepare('SELECT key_pem, cert_pem, fingerprint FROM node_tls_identity WHERE id = 1').get() as
    | { key_pem: string; cert_pem: string; fingerprint: string }
    | undefined;
  if (row) return { keyPem: row.key_pem, certPem: row.cert_pem, fingerprint: row.fingerprint };
  const made = createSelfSignedCertificate(nodeId);
  db.prepare('INSERT INTO node_tls_identity (id, key_pem, cert_pem, fingerprint) VALUES (1, ?, ?, ?)').run(made.keyPem, made.certPem, made.fingerprint);
  return made;
}

/** Key from node:crypto; the X.509 wrapper from Debian's openssl (the key file lives only for that call, mode 0600). */
export function createSelfSignedCertificate(nodeId: string): NodeCertificate {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dir = mkdtempSync(join(tmpdir(), 'netgoat-cert-'));
  try {
    const keyFile = join(dir, 'node.key');
    const certFile = join(dir, 'node.crt');
    writeFileSync(keyFile, keyPem, { mode: 0o600 });
    execFileSync('openssl', ['req', '-x509', '-new', '-key', keyFile, '-out', certFile, '-days', '36500', '-sha256', '-subj', `/CN=netgoat-node-${nodeId}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    const certPem = readFileSync(certFile, 'utf8');
    return { keyPem, certPem, fingerprint: normalizeFingerprint(new X509Certificate(certPem).fingerprint256) };
  } catch (e) {
    throw new NgError('NG_INTERNAL', `could not create the node certificate with openssl: ${(e as Error).message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
