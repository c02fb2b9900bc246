// TLS certificates of a team: list, upload (chain + private key, checked to belong together; the key
// is sealed at rest and never returned), delete. Uploading attaches the certificate to the domains it
// covers, which makes them Active and lets the agents serving them add an HTTPS server block.

import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { NgError } from '../../../shared/errors';
import { derivedId } from '../../../shared/ids';
import { normalizeFingerprint } from '../../cluster/node-certificate';
import { sealCertificateKey } from '../../gateway/certificate-keys';
import type { Store, Stored } from '../../db/store';
import type { Handlers } from '../context';
import { ownedDoc } from '../views';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function certificateView(store: Store, c: Stored<'certificates'>) {
  const domainIds = store.list('domains', { team: c.teamId }).filter((d) => d.tls.certificateId === c.id).map((d) => d.id).sort();
  return { id: c.id, teamId: c.teamId, names: c.names, notAfter: c.notAfter, fingerprint: leafOf(c.chainPem).fingerprint, domainIds, version: c.version };
}

/** The leaf of a chain; every block of the chain must be a certificate (a key pasted into it would be replicated in clear). */
function leafOf(chainPem: string): { cert: X509Certificate; fingerprint: string } {
  const blocks = [...chainPem.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) throw new NgError('NG_VALIDATION', 'the chain holds no PEM certificate', { path: ['chainPem'] });
  const other = blocks.find((b) => b[1] !== 'CERTIFICATE');
  if (other) throw new NgError('NG_VALIDATION', `the chain may hold certificates only, not a ${other[1]}`, { path: ['chainPem'] });
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(blocks[0]![0]);
    for (const b of blocks.slice(1)) new X509Certificate(b[0]);
  } catch (e) {
    throw new NgError('NG_VALIDATION', `the chain does not parse as X.509: ${(e as Error).message}`, { path: ['chainPem'] });
  }
  return { cert, fingerprint: normalizeFingerprint(cert.fingerprint256) };
}

function privateKeyOf(keyPem: string): KeyObject {
  try {
    return createPrivateKey(keyPem);
  } catch {
    // The parser's message may quote the input, so it is not passed on.
    throw new NgError('NG_VALIDATION', 'the private key does not parse (PEM, unencrypted: PKCS#8, PKCS#1 or SEC1)', { path: ['keyPem'] });
  }
}

/** The DNS names a certificate is for: its subjectAltName DNS entries, else its common name. */
function namesOf(cert: X509Certificate): string[] {
  const san = (cert.subjectAltName ?? '').split(',').map((s) => s.trim()).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase());
  const names = san.length > 0 ? san : [/(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1]?.toLowerCase() ?? ''].filter(Boolean);
  if (names.length === 0) throw new NgError('NG_VALIDATION', 'the certificate names no DNS host (no subjectAltName DNS entry or common name)', { path: ['chainPem'] });
  const wildcard = names.find((n) => n.includes('*'));
  if (wildcard) throw new NgError('NG_VALIDATION', `wildcard certificates (${wildcard}) are not supported; upload one naming each host`, { path: ['chainPem'] });
  return [...new Set(names)];
}

export const certificateHandlers: Handlers<'certificates.list' | 'certificates.upload' | 'certificates.delete'> = {
  'certificates.list': (input, { store }) => ({
    certificates: store.list('certificates', { team: input.teamId }).filter((c) => c.teamId === input.teamId)
      .map((c) => certificateView(store, c)).sort((a, b) => a.names[0]!.localeCompare(b.names[0]!)),
  }),

  'certificates.upload': (input, { store, actor, now, notifications }) => {
    const sealer = notifications?.sealer;
    if (!sealer) throw new NgError('NG_UNAVAILABLE', 'this node runs without its secret sealer, so it cannot store a private key');
    const { cert, fingerprint } = leafOf(input.chainPem);
    const key = privateKeyOf(input.keyPem);
    if (!cert.checkPrivateKey(key)) throw new NgError('NG_VALIDATION', 'the private key does not belong to the certificate', { path: ['keyPem'] });
    const names = namesOf(cert);
    const notAfter = Date.parse(cert.validTo);
    const id = derivedId('crt', input.teamId, fingerprint);
    const covered = new Set(names);
    const domains = input.domainIds
      ? input.domainIds.map((domainId, i) => {
        const d = ownedDoc(store, 'domains', domainId, input.teamId, 'domain');
        if (!covered.has(d.hostname)) throw new NgError('NG_VALIDATION', `the certificate is for ${names.join(', ')}, not ${d.hostname}`, { path: ['domainIds', i] });
        return d;
      })
      : store.list('domains', { team: input.teamId }).filter((d) => d.teamId === input.teamId && covered.has(d.hostname));
    const tls = { status: notAfter > now() ? 'Active' as const : 'Expired' as const, certificateId: id, notAfter };
    const doc = store.transaction(() => {
      const saved = store.write('certificates', id, {
        teamId: input.teamId, names, chainPem: input.chainPem,
        privateKey: sealCertificateKey(sealer, id, key.export({ type: 'pkcs8', format: 'pem' }).toString()), notAfter,
      }, { actor });
      for (const d of domains) store.write('domains', d.id, { tls }, { actor });
      return saved;
    });
    return { certificate: certificateView(store, doc) };
  },

  'certificates.delete': (input, { store, actor }) => {
    ownedDoc(store, 'certificates', input.certificateId, input.teamId, 'certificate');
    store.transaction(() => {
      for (const d of store.list('domains', { team: input.teamId })) {
        if (d.tls.certificateId === input.certificateId) store.write('domains', d.id, { tls: { status: 'Pending', certificateId: null, notAfter: null } }, { actor });
      }
      store.delete('certificates', input.certificateId, { actor });
    });
    return { ok: true as const };
  },
};
