// The nginx config the agents would write for this domain's saved settings, from the node's own renderer.
import { Alert, Button, Code, CopyButton, Group, ScrollArea, Stack, Text } from '@mantine/core';
import { useEffect } from 'react';
import { usePreview, type DomainView } from '../stores/areas';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loading } from '../ui/Loading';

export function PreviewTab({ domain }: { domain: DomainView }) {
  const { data, error, loading, params } = usePreview();
  useEffect(() => {
    void usePreview.getState().load({ teamId: domain.teamId, domainId: domain.id });
  }, [domain.teamId, domain.id]);

  const result = params?.domainId === domain.id ? data : null;
  if (error?.code === 'NG_UNAVAILABLE') {
    return (
      <Alert color="gray" title="Preview is not available on this node" data-testid="preview-unavailable">
        {error.message}. The config is still saved; agents render it themselves when they apply it.
      </Alert>
    );
  }
  if (error) return <ErrorAlert error={error} />;
  if (!result) return <Loading what="Rendering the nginx config…" />;
  if (!result.ok) {
    return (
      <Alert color="red" title="The saved config cannot be rendered" data-testid="preview-errors">
        {result.errors.map((e, i) => <Text key={i} size="sm"><Code>{e.path.join('.')}</Code> {e.message}</Text>)}
      </Alert>
    );
  }
  return (
    <Stack gap="xs">
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm" c="dimmed">
          Generated from the saved proxy config as <Code>{result.path}</Code>. To see a draft before saving, use “Preview nginx config” on the Proxy tab.
        </Text>
        <Group gap="xs" wrap="nowrap">
          <Button variant="default" size="xs" onClick={() => void usePreview.getState().reload()} loading={loading}>Refresh</Button>
          <CopyButton value={result.text ?? ''}>{({ copied, copy }) => <Button size="xs" variant="light" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
        </Group>
      </Group>
      <ScrollArea h={560} type="auto">
        <Code block data-testid="nginx-preview">{result.text}</Code>
      </ScrollArea>
    </Stack>
  );
}
