// Certificate private keys at rest and on their way to agents: sealed with the node's secret sealer
// (the cluster-wide key, as for every replicated secret) and opened only while the gateway builds an
// agent's desired state. The plaintext lives in memory only and is never logged.

import type { Logger } from '../log';
import type { SecretSealer } from '../remote/secret-sealer';
import type { Stored } from '../db/store';
import { isNgError } from '../../shared/errors';
import type { SealedSecret } from '../../shared/schemas/common';
import type { UnsealCertificate } from './desired-groups';

/** Where a certificate's key lives, bound into its sealing so a sealed key cannot be moved to another record. */
export const certificateKeyContext = (certificateId: string): string => `certificates/${certificateId}/privateKey`;

export function sealCertificateKey(sealer: Pick<SecretSealer, 'seal'>, certificateId: string, keyPem: string): SealedSecret {
  return sealer.seal(keyPem, certificateKeyContext(certificateId));
}

/**
 * The gateway's way to key material: a key that does not open (sealed under a key this node no
 * longer holds, or tampered with) leaves the domain without a certificate, so it is served over
 * HTTP only, and the reason is logged by code, never with the key.
 */
export function certificateUnsealer(sealer: Pick<SecretSealer, 'open'>, logger: Logger): UnsealCertificate {
  const log = logger.child({ module: 'certificate-keys' });
  return (cert: Stored<'certificates'>) => {
    try {
      return { chainPem: cert.chainPem, keyPem: sealer.open(cert.privateKey, certificateKeyContext(cert.id)) };
    } catch (e) {
      log.warn({ certificateId: cert.id, code: isNgError(e) ? e.code : 'NG_INTERNAL' }, 'certificate key does not open; its domains get no HTTPS');
      return null;
    }
  };
}
