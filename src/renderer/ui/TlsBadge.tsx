// TLS status as stored: Pending until a certificate is issued, Active with its expiry, Expired.
import { Badge, Tooltip } from '@mantine/core';
import type { DomainView } from '../stores/areas';
import { formatTime } from './format';

const COLORS = { Pending: 'gray', Active: 'green', Expired: 'red' } as const;

export function TlsBadge({ tls }: { tls: DomainView['tls'] }) {
  const label = tls.status === 'Pending' ? 'No certificate issued yet' : `Certificate valid until ${formatTime(tls.notAfter)}`;
  return (
    <Tooltip label={label}>
      <Badge color={COLORS[tls.status]} variant="light" data-testid="tls-status">TLS {tls.status}</Badge>
    </Tooltip>
  );
}
