// A domain's TLS as stored, and (for admins) uploading the certificate it is served with or removing it.
// The private key is pasted once, sent to the node, sealed there and never shown again.
import { Button, Card, Group, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { api, messageForField, unplacedError } from '../api';
import { useDomain, type DomainView } from '../stores/areas';
import { useCan } from '../stores/session';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime } from '../ui/format';
import { TlsBadge } from '../ui/TlsBadge';
import { useAction } from '../ui/use-action';

export function TlsCard({ domain }: { domain: DomainView }) {
  const { status, notAfter, certificateId } = domain.tls;
  const isAdmin = useCan('admin');
  const [chainPem, setChain] = useState('');
  const [keyPem, setKey] = useState('');
  const { busy, error, run } = useAction();

  const upload = () =>
    run(async () => {
      await api.call('certificates.upload', { teamId: domain.teamId, chainPem, keyPem, domainIds: [domain.id] });
      setChain('');
      setKey('');
      await useDomain.getState().reload();
    });
  const remove = (id: string) =>
    run(async () => {
      await api.call('certificates.delete', { teamId: domain.teamId, certificateId: id });
      await useDomain.getState().reload();
    });

  return (
    <Card withBorder padding="md" data-testid="tls-card">
      <Stack gap={6}>
        <Group gap="xs"><Text fw={600}>TLS</Text><TlsBadge tls={domain.tls} /></Group>
        <Text size="sm" c="dimmed">
          {status === 'Pending' && 'No certificate has been issued for this domain yet, so it is not served over HTTPS.'}
          {status === 'Active' && `Certificate ${certificateId ?? ''} is valid until ${formatTime(notAfter)}.`}
          {status === 'Expired' && `The certificate expired on ${formatTime(notAfter)}; browsers will refuse HTTPS.`}
        </Text>
        {isAdmin && (
          <Stack gap="xs" mt="xs">
            <Textarea label="Certificate chain (PEM)" description="Leaf certificate first, then intermediates" autosize minRows={3} maxRows={8}
              value={chainPem} onChange={(e) => setChain(e.currentTarget.value)} error={messageForField(error, 'chainPem')} styles={{ input: { fontFamily: 'monospace' } }} />
            <Textarea label="Private key (PEM)" description="Sealed on the node and sent only to this domain's edge agents; never shown again" autosize minRows={3} maxRows={8}
              autoComplete="off" spellCheck={false} value={keyPem} onChange={(e) => setKey(e.currentTarget.value)} error={messageForField(error, 'keyPem')} styles={{ input: { fontFamily: 'monospace' } }} />
            <ErrorAlert error={unplacedError(error, [['chainPem'], ['keyPem']])} />
            <Group>
              <Button size="sm" loading={busy} disabled={!chainPem.trim() || !keyPem.trim()} onClick={() => void upload()}>Upload certificate</Button>
              {certificateId && <Button size="sm" variant="light" color="red" loading={busy} onClick={() => void remove(certificateId)}>Remove certificate</Button>}
            </Group>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
